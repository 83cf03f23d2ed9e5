import { EventQueue } from './event-queue.js'
import { destination, haversineKm } from '../../topologies/geo.js'
import { createMerchants } from './merchants.js'
import { Random } from './random.js'
import { CITIES } from './reference-data.js'
import { CATEGORIES, formatTransactionTime, type Transaction } from '../../topologies/transaction.js'
import { createUsers, type UserProfile } from './users.js'

export interface GeneratorOptions {
  /** Same seed, same output (default 42). */
  seed?: number
  /** Card holders (default count / 100, at least 1, at most 10 000): about 100 transactions each. */
  users?: number
  /** Transactions to generate, fraud included. */
  count: number
  /** Fraction of transactions that are fraud (default 0.01). */
  fraudRate?: number
  /** Event time of the start, unix seconds (default 1 704 067 200 = 2024-01-01 00:00:00 UTC). */
  startTime?: number
  /**
   * Transactions per second of event time over all users (default: users × 3 per day). Card
   * holders spend a few times a day; raising the density a lot makes ordinary spending look
   * like bursts.
   */
  ratePerSecond?: number
}

export type FraudKind = 'amount_spike' | 'burst' | 'far_merchant'

/** A transaction and, for injected fraud (is_fraud = 1), which kind of fraud it is. */
export interface GeneratedTransaction {
  transaction: Transaction
  fraudKind?: FraudKind
}

/** A user's first transactions are never fraud: detectors need some history. */
export const FRAUD_FREE_TRANSACTIONS = 10

/**
 * Share of fraudulent transactions per kind. Bursts come several transactions at a time, so
 * they are injected less often than this share suggests.
 */
export const FRAUD_MIX: Readonly<Record<FraudKind, number>> = { amount_spike: 0.4, far_merchant: 0.4, burst: 0.2 }

/** What each kind of fraud looks like; tests and detectors can rely on these bounds. */
export const FRAUD_SHAPE = {
  /** An amount spike is this many times the user's median genuine amount so far. */
  spikeFactor: { min: 5, max: 20 },
  /** Transactions in one burst. */
  burstSize: { min: 4, max: 7 },
  /** Seconds between two transactions of a burst. */
  burstGapSeconds: { min: 5, max: 45 },
  /** A far merchant is at least this far from the user's home. */
  farMerchantMinKm: 400,
  /** Genuine merchants are within this distance of home. */
  localMerchantMaxKm: 50,
  /** After a burst the card holder's own next transaction comes at least this much later. */
  quietAfterBurstSeconds: 1800,
} as const

/** Relative activity per local hour of day (people sleep at night); normalized to mean 1 below. */
const HOURLY = [0.25, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 0.9, 1.1, 1.2, 1.3, 1.4, 1.5, 1.4, 1.35, 1.35, 1.4, 1.5, 1.5, 1.4, 1.2, 0.9, 0.6, 0.4]
const HOURLY_MEAN = HOURLY.reduce((sum, value) => sum + value, 0) / HOURLY.length
const HOURLY_MAX = Math.max(...HOURLY) / HOURLY_MEAN
const DEFAULT_START = 1_704_067_200
const HISTORY_KEPT = 200
/** Online categories, where most card-not-present fraud happens. */
const ONLINE = ['shopping_net', 'misc_net', 'grocery_net'].map((category) => CATEGORIES.indexOf(category as (typeof CATEGORIES)[number]))

interface UserState {
  profile: UserProfile
  /** Transactions emitted so far (fraud included). */
  count: number
  /** Recent genuine amounts, for the median an amount spike is measured against. */
  amounts: number[]
  /** Transactions per second at mean activity. */
  rate: number
}

type Event = { kind: 'genuine'; user: number } | { kind: 'burst'; user: number; remaining: number }

function round(value: number, places: number): number {
  const factor = 10 ** places
  return Math.round(value * factor) / factor
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/**
 * Credit-card transactions like the public fraud simulation data, deterministic for a seed.
 *
 * Each user spends as a Poisson process (a few times a day, quieter at night in local time)
 * on their preferred categories, with lognormal amounts around their own median per category,
 * at merchants within 50 km of home. Events of all users come out in event-time order.
 * Fraud replaces some genuine transactions once a user has FRAUD_FREE_TRANSACTIONS behind
 * them, in three kinds, each anomalous in one way only:
 * - `amount_spike`: 5-20× the user's median genuine amount, at a local merchant;
 * - `burst`: 4-7 transactions of ordinary amounts, 5-45 s apart, online or local;
 * - `far_merchant`: an ordinary amount at a merchant in a city at least 400 km from home.
 */
export function* generateTransactions(options: GeneratorOptions): Generator<GeneratedTransaction> {
  const count = Math.max(0, Math.floor(options.count))
  const seed = options.seed ?? 42
  const userCount = Math.max(1, Math.floor(options.users ?? Math.min(10_000, Math.max(1, Math.round(count / 100)))))
  const fraudRate = Math.min(1, Math.max(0, options.fraudRate ?? 0.01))
  const start = options.startTime ?? DEFAULT_START
  const random = new Random(seed, 1)
  const profiles = createUsers(new Random(seed, 2), userCount)
  const merchants = createMerchants(new Random(seed, 3))

  const naturalRate = profiles.reduce((sum, user) => sum + user.dailyRate / 86_400, 0)
  const density = options.ratePerSecond === undefined ? 1 : options.ratePerSecond / naturalRate
  const users: UserState[] = profiles.map((profile) => ({ profile, count: 0, amounts: [], rate: (profile.dailyRate / 86_400) * density }))

  // Fraud injection: a genuine slot of an eligible user turns into fraud with probability q.
  const injectWeights = (Object.keys(FRAUD_MIX) as FraudKind[]).map((kind) => FRAUD_MIX[kind] / (kind === 'burst' ? (FRAUD_SHAPE.burstSize.min + FRAUD_SHAPE.burstSize.max) / 2 : 1))
  const injectKinds = Object.keys(FRAUD_MIX) as FraudKind[]
  const totalInject = injectWeights.reduce((sum, weight) => sum + weight, 0)
  const transactionsPerInjection = 1 / totalInject
  const eligibleShare = Math.max(0.05, 1 - (FRAUD_FREE_TRANSACTIONS * userCount) / Math.max(1, count))
  const baseProbability = fraudRate / transactionsPerInjection / eligibleShare

  /** The next genuine transaction time after `from` (thinning for the hour-of-day profile). */
  const nextGenuineTime = (user: UserState, from: number): number => {
    let time = from
    for (;;) {
      time += random.exponential(user.rate * HOURLY_MAX)
      const localHour = Math.floor(((((time + (user.profile.long / 15) * 3600) / 3600) % 24) + 24) % 24)
      if (random.next() * HOURLY_MAX < HOURLY[localHour] / HOURLY_MEAN) return time
    }
  }

  const queue = new EventQueue<Event>()
  users.forEach((user, index) => queue.push(nextGenuineTime(user, start), { kind: 'genuine', user: index }))

  let emitted = 0
  let fraudEmitted = 0

  const localMerchant = (user: UserState): { lat: number; long: number } =>
    destination(user.profile.lat, user.profile.long, FRAUD_SHAPE.localMerchantMaxKm * Math.sqrt(random.next()) * 0.98, random.uniform(0, 360))

  const farMerchant = (user: UserState): { lat: number; long: number } => {
    const far = CITIES.filter((city) => haversineKm(city.lat, city.long, user.profile.lat, user.profile.long) >= FRAUD_SHAPE.farMerchantMinKm + 30)
    if (far.length === 0) return destination(user.profile.lat, user.profile.long, random.uniform(500, 2500), random.uniform(0, 360))
    const city = random.pick(far)
    return destination(city.lat, city.long, 20 * Math.sqrt(random.next()), random.uniform(0, 360))
  }

  const build = (user: UserState, time: number, category: number, amount: number, where: { lat: number; long: number }, fraudKind?: FraudKind): GeneratedTransaction => {
    const profile = user.profile
    const unix = Math.floor(time)
    const transaction: Transaction = {
      trans_date_trans_time: formatTransactionTime(unix),
      cc_num: profile.cc_num,
      merchant: random.pick(merchants[category]),
      category: CATEGORIES[category],
      amt: Math.max(1, round(amount, 2)),
      first: profile.first,
      last: profile.last,
      gender: profile.gender,
      street: profile.street,
      city: profile.city,
      state: profile.state,
      zip: profile.zip,
      lat: profile.lat,
      long: profile.long,
      city_pop: profile.city_pop,
      job: profile.job,
      dob: profile.dob,
      trans_num: random.hex(32),
      unix_time: unix,
      merch_lat: round(where.lat, 6),
      merch_long: round(where.long, 6),
      is_fraud: fraudKind ? 1 : 0,
    }
    user.count++
    emitted++
    if (fraudKind) {
      fraudEmitted++
    } else {
      user.amounts.push(transaction.amt)
      if (user.amounts.length > HISTORY_KEPT) user.amounts.shift()
    }
    return fraudKind ? { transaction, fraudKind } : { transaction }
  }

  const ordinaryAmount = (user: UserState, category: number): number => random.lognormal(user.profile.typicalAmount[category], user.profile.amountSigma)

  const burstTransaction = (user: UserState, time: number): GeneratedTransaction => {
    const category = random.next() < 0.6 ? random.pick(ONLINE) : random.weightedIndex(user.profile.categoryWeights)
    return build(user, time, category, ordinaryAmount(user, category), localMerchant(user), 'burst')
  }

  while (emitted < count) {
    const next = queue.pop()
    if (!next) break
    const { time, event } = next
    const user = users[event.user]
    if (event.kind === 'burst') {
      yield burstTransaction(user, time)
      if (event.remaining > 1) queue.push(time + random.uniform(FRAUD_SHAPE.burstGapSeconds.min, FRAUD_SHAPE.burstGapSeconds.max), { ...event, remaining: event.remaining - 1 })
      continue
    }
    let probability = 0
    if (user.count >= FRAUD_FREE_TRANSACTIONS && fraudRate > 0) {
      // Nudge towards the configured rate when bursts or ineligible users pushed it off.
      const deficit = fraudRate * (emitted + 1) - fraudEmitted
      probability = Math.min(1, baseProbability * Math.min(2, Math.max(0, 1 + deficit / (20 * transactionsPerInjection))))
    }
    if (random.next() >= probability) {
      const category = random.weightedIndex(user.profile.categoryWeights)
      yield build(user, time, category, ordinaryAmount(user, category), localMerchant(user))
      queue.push(nextGenuineTime(user, time), event)
      continue
    }
    const kind = injectKinds[random.weightedIndex(injectWeights)]
    if (kind === 'amount_spike') {
      const category = random.next() < 0.5 ? random.pick(ONLINE) : random.weightedIndex(user.profile.categoryWeights)
      const factor = random.uniform(FRAUD_SHAPE.spikeFactor.min, FRAUD_SHAPE.spikeFactor.max)
      // Rounding to cents must not take it under the factor's minimum.
      const amount = Math.ceil(median(user.amounts) * factor * 100) / 100
      yield build(user, time, category, amount, localMerchant(user), 'amount_spike')
      queue.push(nextGenuineTime(user, time), event)
    } else if (kind === 'far_merchant') {
      const category = random.weightedIndex(user.profile.categoryWeights)
      yield build(user, time, category, ordinaryAmount(user, category), farMerchant(user), 'far_merchant')
      queue.push(nextGenuineTime(user, time), event)
    } else {
      const size = random.int(FRAUD_SHAPE.burstSize.min, FRAUD_SHAPE.burstSize.max)
      yield burstTransaction(user, time)
      queue.push(time + random.uniform(FRAUD_SHAPE.burstGapSeconds.min, FRAUD_SHAPE.burstGapSeconds.max), { kind: 'burst', user: event.user, remaining: size - 1 })
      // The card holder's own spending resumes well after the burst.
      const burstEnd = time + size * FRAUD_SHAPE.burstGapSeconds.max
      queue.push(nextGenuineTime(user, burstEnd + FRAUD_SHAPE.quietAfterBurstSeconds), event)
    }
  }
}
