/**
 * Per-user anomaly scoring for card transactions: pure functions, no I/O, no labels.
 *
 * A user's profile holds what their own history says is normal: how many transactions they
 * made, running mean and variance (Welford) of the log of their amounts (overall and per
 * category), the times of their recent transactions and the running mean location of the
 * merchants they use. Each rule compares one transaction with that profile and returns a
 * score in [0, 1] with the numbers behind it; `assess` combines the rules (noisy-or) into one
 * score and a level. `learn` folds a transaction into the profile.
 */

/** Welford's running count, mean and sum of squared deviations. */
export interface RunningStats {
  n: number
  mean: number
  m2: number
}

export interface GeoPoint {
  lat: number
  long: number
}

/** What one user's history says is normal. Stored as JSON; treat as immutable. */
export interface UserProfile {
  /** Transactions seen (all of them, suspicious or not). */
  count: number
  /** Log-amount statistics over the transactions learned from (not those that raised an alert). */
  amount: RunningStats
  /** The same per category. Keys are input data: read them with categoryStats, never `categories[category]`. */
  categories: { [category: string]: RunningStats }
  /** Unix times (seconds) of the latest transactions within the velocity window, ascending. */
  recent: number[]
  /** Running mean of the merchant locations learned from; null before the first one. */
  usualLocation: (GeoPoint & { n: number }) | null
  /** trans_num of the latest transactions: a redelivered transaction is recognized and skipped. */
  lastTransNums: string[]
  lastUnixTime: number
}

/** The fields of a transaction the scoring reads. */
export interface ScoredTransaction {
  trans_num: string
  amt: number
  category: string
  unix_time: number
  lat: number
  long: number
  merch_lat: number
  merch_long: number
}

export type AlertLevel = 'LOW' | 'MEDIUM' | 'HIGH'

export type AlertReason =
  | { rule: 'amount'; score: number; amount: number; typicalAmount: number; ratio: number; zScore: number; history: number; message: string }
  | { rule: 'extreme_amount'; score: number; amount: number; threshold: number; history: number; message: string }
  | { rule: 'velocity'; score: number; count: number; windowSeconds: number; message: string }
  | { rule: 'burst'; score: number; count: number; spanSeconds: number; total: number; message: string }
  | { rule: 'distance'; score: number; km: number; fromHomeKm: number; fromUsualKm: number | null; message: string }

export interface Assessment {
  /** Combined score in [0, 1]. */
  score: number
  /** Set when the score reaches the alert threshold. */
  level: AlertLevel | null
  /** Every rule that scored above zero, highest first. */
  reasons: AlertReason[]
}

export interface ScoringConfig {
  /** Transactions a user must have made before history-based rules may alert (default 5). */
  minHistory: number
  /** An amount at or above this alerts even without history (default 4000). */
  extremeAmount: number
  amount: {
    /** z-score of the log amount where the rule starts scoring, and where it reaches 1. */
    zStart: number
    zFull: number
    /** The amount must also be at least this many times the typical amount to score. */
    minRatio: number
    /** Floor of the log-amount standard deviation, so a very regular user is not alerted on trifles. */
    minStddev: number
    /** Weight (in transactions) of the user's overall statistics when blending in a category's. */
    categoryPrior: number
    /** Amounts are clipped to this many standard deviations of the expected one before they are learned. */
    learnClip: number
  }
  velocity: {
    windowSeconds: number
    /** Transactions in the window (this one included) where the rule starts scoring, and where it reaches 1. */
    countStart: number
    countFull: number
  }
  /**
   * Bursts: the card's session (transactions no more than `gapSeconds` apart, a session window
   * per card) reaching `countStart` transactions scores 1; from then on the session's earlier
   * transactions are alerted too (they looked ordinary one by one).
   */
  burst: {
    gapSeconds: number
    countStart: number
  }
  distance: {
    /** Km from both home and the usual merchant location where the rule starts scoring, and where it reaches 1. */
    kmStart: number
    kmFull: number
  }
  /** Scores at or above these raise an alert of the level. */
  thresholds: { low: number; medium: number; high: number }
  /** How many trans_num to remember for de-duplication. */
  dedupeDepth: number
}

export const DEFAULT_SCORING: ScoringConfig = {
  minHistory: 5,
  extremeAmount: 4000,
  amount: { zStart: 2, zFull: 5, minRatio: 3, minStddev: 0.45, categoryPrior: 5, learnClip: 2.5 },
  velocity: { windowSeconds: 180, countStart: 2, countFull: 4 },
  burst: { gapSeconds: 60, countStart: 3 },
  distance: { kmStart: 100, kmFull: 300 },
  thresholds: { low: 0.5, medium: 0.75, high: 0.9 },
  dedupeDepth: 8,
}

// ---------------------------------------------------------------------------------------------
// Statistics and geometry

export function emptyStats(): RunningStats {
  return { n: 0, mean: 0, m2: 0 }
}

/** Welford's update: a new object, the input is left alone. */
export function updateStats(stats: RunningStats, x: number): RunningStats {
  const n = stats.n + 1
  const delta = x - stats.mean
  const mean = stats.mean + delta / n
  return { n, mean, m2: stats.m2 + delta * (x - mean) }
}

/** Sample variance (n - 1); 0 with fewer than two values. */
export function variance(stats: RunningStats): number {
  return stats.n < 2 ? 0 : stats.m2 / (stats.n - 1)
}

export function stddev(stats: RunningStats): number {
  return Math.sqrt(variance(stats))
}

const EARTH_RADIUS_KM = 6371.0088

/** Great-circle distance in km. */
export function haversineKm(a: GeoPoint, b: GeoPoint): number {
  const rad = Math.PI / 180
  const dLat = (b.lat - a.lat) * rad
  const dLong = (b.long - a.long) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLong / 2) ** 2
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)))
}

/** The log scale amounts are compared on (cents and refunds are floored to 1). */
export function logAmount(amount: number): number {
  return Math.log(Math.max(1, amount))
}

/** 0 at or below `start`, 1 at or above `full`, linear between. */
export function ramp(x: number, start: number, full: number): number {
  if (x <= start) return 0
  if (x >= full) return 1
  return (x - start) / (full - start)
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

// ---------------------------------------------------------------------------------------------
// Rules: each returns undefined when it has nothing to say.

/**
 * The amount against the user's own history: z-score of its log against the user's log-amount
 * distribution in this category (blended with the user's overall one while the category is
 * young), and its ratio to the typical (geometric mean) amount. Silent before `minHistory`.
 */
export function amountRule(profile: UserProfile, amount: number, category: string, config: ScoringConfig = DEFAULT_SCORING): AlertReason | undefined {
  const history = profile.amount.n
  if (history < config.minHistory) return undefined
  const { mean, sd } = expectedLogAmount(profile, category, config)
  const x = logAmount(amount)
  const zScore = (x - mean) / sd
  const typicalAmount = Math.exp(mean)
  const ratio = amount / typicalAmount
  if (ratio < config.amount.minRatio) return undefined
  const score = ramp(zScore, config.amount.zStart, config.amount.zFull)
  if (score <= 0) return undefined
  return {
    rule: 'amount',
    score: round(score),
    amount,
    typicalAmount: round(typicalAmount, 2),
    ratio: round(ratio, 2),
    zScore: round(zScore, 2),
    history,
    message: `amount ${amount.toFixed(2)} is ${ratio.toFixed(1)}x the user's typical ${typicalAmount.toFixed(2)} (z ${zScore.toFixed(1)} over ${history} transactions)`,
  }
}

/** Mean and standard deviation of the log amount expected for a category: the category's own, shrunk towards the user's overall. */
export function expectedLogAmount(profile: UserProfile, category: string, config: ScoringConfig = DEFAULT_SCORING): { mean: number; sd: number } {
  const overall = profile.amount
  const own = categoryStats(profile, category)
  const prior = config.amount.categoryPrior
  const overallVar = Math.max(variance(overall), config.amount.minStddev ** 2)
  if (!own || own.n === 0) return { mean: overall.mean, sd: Math.sqrt(overallVar) }
  const w = own.n / (own.n + prior)
  const mean = w * own.mean + (1 - w) * overall.mean
  // The category's spread, blended with the user's typical spread within a category (pooled
  // over categories, which leaves out how far apart the categories are).
  const pooled = pooledWithinVariance(profile)
  const priorVar = pooled === undefined ? overallVar : pooled
  const ownVar = own.n >= 2 ? variance(own) : priorVar
  const var_ = w * ownVar + (1 - w) * priorVar
  return { mean, sd: Math.max(Math.sqrt(var_), config.amount.minStddev) }
}

/**
 * The statistics of one category, if the user has any. An own-property lookup: a category
 * named like an Object.prototype member (`constructor`, `toString`, `__proto__`) must find
 * nothing, not a function whose missing fields turn every later score into NaN.
 */
export function categoryStats(profile: UserProfile, category: string): RunningStats | undefined {
  return Object.hasOwn(profile.categories, category) ? profile.categories[category] : undefined
}

/** Variance of the log amount within categories, pooled over the user's categories; undefined without enough data. */
export function pooledWithinVariance(profile: UserProfile): number | undefined {
  let m2 = 0
  let df = 0
  for (const stats of Object.values(profile.categories)) {
    if (stats.n < 2) continue
    m2 += stats.m2
    df += stats.n - 1
  }
  return df >= 4 ? m2 / df : undefined
}

/** An amount so large that it alerts even for a user with no history. */
export function extremeAmountRule(profile: UserProfile, amount: number, config: ScoringConfig = DEFAULT_SCORING): AlertReason | undefined {
  if (amount < config.extremeAmount) return undefined
  return {
    rule: 'extreme_amount',
    score: 1,
    amount,
    threshold: config.extremeAmount,
    history: profile.amount.n,
    message: `amount ${amount.toFixed(2)} is at or above the absolute limit ${config.extremeAmount}`,
  }
}

/** Transactions of the user within the velocity window ending at `unixTime`, this one included. */
export function transactionsInWindow(recent: readonly number[], unixTime: number, windowSeconds: number): number {
  let count = 1
  for (const t of recent) if (t > unixTime - windowSeconds && t <= unixTime) count++
  return count
}

/** Velocity: many transactions of the user within a short window. */
export function velocityRule(profile: UserProfile, unixTime: number, config: ScoringConfig = DEFAULT_SCORING): AlertReason | undefined {
  const { windowSeconds, countStart, countFull } = config.velocity
  const count = transactionsInWindow(profile.recent, unixTime, windowSeconds)
  const score = ramp(count, countStart, countFull)
  if (score <= 0) return undefined
  return {
    rule: 'velocity',
    score: round(score),
    count,
    windowSeconds,
    message: `${count} transactions within ${Math.round(windowSeconds / 60)} minutes`,
  }
}

/** A card's current burst session as the scoring sees it: its transactions so far, this one included. */
export interface BurstSession {
  count: number
  spanSeconds: number
  total: number
}

/** Burst: the card's session of closely spaced transactions reached countStart. */
export function burstRule(session: BurstSession | undefined, config: ScoringConfig = DEFAULT_SCORING): AlertReason | undefined {
  if (!session || session.count < config.burst.countStart) return undefined
  return {
    rule: 'burst',
    score: 1,
    count: session.count,
    spanSeconds: session.spanSeconds,
    total: round(session.total),
    message: `${session.count} transactions ${session.spanSeconds} s apart in all, none more than ${config.burst.gapSeconds} s after the one before (total ${round(session.total)})`,
  }
}

/**
 * Distance of the merchant from where the user shops: the nearer of their home and the running
 * mean of the merchants they used, so neither a move nor a new neighbourhood alone alerts.
 */
export function distanceRule(profile: UserProfile, tx: Pick<ScoredTransaction, 'lat' | 'long' | 'merch_lat' | 'merch_long'>, config: ScoringConfig = DEFAULT_SCORING): AlertReason | undefined {
  const merchant = { lat: tx.merch_lat, long: tx.merch_long }
  const fromHomeKm = haversineKm({ lat: tx.lat, long: tx.long }, merchant)
  const fromUsualKm = profile.usualLocation ? haversineKm(profile.usualLocation, merchant) : null
  const km = fromUsualKm === null ? fromHomeKm : Math.min(fromHomeKm, fromUsualKm)
  const score = ramp(km, config.distance.kmStart, config.distance.kmFull)
  if (score <= 0) return undefined
  return {
    rule: 'distance',
    score: round(score),
    km: round(km, 1),
    fromHomeKm: round(fromHomeKm, 1),
    fromUsualKm: fromUsualKm === null ? null : round(fromUsualKm, 1),
    message: `merchant ${Math.round(km)} km from the user's home and usual merchants`,
  }
}

// ---------------------------------------------------------------------------------------------
// Combining

/** Noisy-or: the chance that at least one independent rule is right. */
export function combineScores(scores: readonly number[]): number {
  let miss = 1
  for (const s of scores) miss *= 1 - Math.min(1, Math.max(0, s))
  return 1 - miss
}

export function levelOf(score: number, config: ScoringConfig = DEFAULT_SCORING): AlertLevel | null {
  const t = config.thresholds
  if (score >= t.high) return 'HIGH'
  if (score >= t.medium) return 'MEDIUM'
  if (score >= t.low) return 'LOW'
  return null
}

/**
 * Scores a transaction against the profile built from the user's earlier transactions. Before
 * `minHistory` transactions only an extreme amount counts.
 */
export function assess(profile: UserProfile, tx: ScoredTransaction, config: ScoringConfig = DEFAULT_SCORING, session?: BurstSession): Assessment {
  const reasons: AlertReason[] = []
  // A burst needs no history: card holders do not spend three times within minutes.
  const burst = burstRule(session, config)
  if (burst) reasons.push(burst)
  const extreme = extremeAmountRule(profile, tx.amt, config)
  if (profile.count < config.minHistory) {
    if (extreme) reasons.push(extreme)
  } else {
    for (const reason of [amountRule(profile, tx.amt, tx.category, config), velocityRule(profile, tx.unix_time, config), distanceRule(profile, tx, config)]) {
      if (reason) reasons.push(reason)
    }
    // An established user's own history decides on the amount; the absolute limit only adds when the history does not cover it.
    if (extreme && !reasons.some((r) => r.rule === 'amount' && r.score >= 1)) {
      const { mean, sd } = expectedLogAmount(profile, tx.category, config)
      if (logAmount(tx.amt) > mean + config.amount.zStart * sd) reasons.push(extreme)
    }
  }
  reasons.sort((a, b) => b.score - a.score)
  const score = round(combineScores(reasons.map((r) => r.score)))
  return { score, level: levelOf(score, config), reasons }
}

// ---------------------------------------------------------------------------------------------
// Learning

export function emptyProfile(): UserProfile {
  return { count: 0, amount: emptyStats(), categories: {}, recent: [], usualLocation: null, lastTransNums: [], lastUnixTime: 0 }
}

/** True when the profile already took in this transaction (a redelivery or a CDC update of it). */
export function alreadySeen(profile: UserProfile, transNum: string): boolean {
  return profile.lastTransNums.includes(transNum)
}

/**
 * The profile after a transaction. A transaction that raised an alert still counts for
 * velocity, but does not teach the profile its amount or location: a fraudster's spending
 * must not become the user's normal.
 */
export function learn(profile: UserProfile, tx: ScoredTransaction, assessment: Assessment, config: ScoringConfig = DEFAULT_SCORING): UserProfile {
  const suspicious = assessment.level !== null
  const horizon = tx.unix_time - config.velocity.windowSeconds
  const recent = [...profile.recent.filter((t) => t > horizon), tx.unix_time].sort((a, b) => a - b).slice(-(config.velocity.countFull * 2))
  const lastTransNums = [...profile.lastTransNums, tx.trans_num].slice(-config.dedupeDepth)
  const next: UserProfile = { ...profile, count: profile.count + 1, recent, lastTransNums, lastUnixTime: Math.max(profile.lastUnixTime, tx.unix_time) }
  if (suspicious) return next
  // Winsorized: an unusual amount that did not alert moves the statistics only as far as a
  // clip at `learnClip` standard deviations, so one missed spike does not widen the user's normal.
  let x = logAmount(tx.amt)
  if (profile.amount.n >= config.minHistory) {
    const { mean, sd } = expectedLogAmount(profile, tx.category, config)
    x = Math.min(mean + config.amount.learnClip * sd, Math.max(mean - config.amount.learnClip * sd, x))
  }
  next.amount = updateStats(profile.amount, x)
  // A computed key defines an own property, `__proto__` included.
  next.categories = { ...profile.categories, [tx.category]: updateStats(categoryStats(profile, tx.category) ?? emptyStats(), x) }
  const loc = profile.usualLocation
  const n = (loc?.n ?? 0) + 1
  next.usualLocation = loc
    ? { lat: loc.lat + (tx.merch_lat - loc.lat) / n, long: loc.long + (tx.merch_long - loc.long) / n, n }
    : { lat: tx.merch_lat, long: tx.merch_long, n: 1 }
  return next
}

/**
 * Where a profile holds a number that is not finite (`amount.mean`, `categories["x"].m2`, ...);
 * empty when none does. A NaN, once stored, makes every later score of the card NaN: no alert
 * would ever fire for it again, so such a profile must never be stored.
 */
export function nonFiniteFields(profile: UserProfile): string[] {
  const found: string[] = []
  const check = (path: string, value: number): void => void (Number.isFinite(value) || found.push(path))
  const checkStats = (path: string, stats: RunningStats): void => {
    check(`${path}.n`, stats.n)
    check(`${path}.mean`, stats.mean)
    check(`${path}.m2`, stats.m2)
  }
  check('count', profile.count)
  check('lastUnixTime', profile.lastUnixTime)
  checkStats('amount', profile.amount)
  for (const [category, stats] of Object.entries(profile.categories)) checkStats(`categories[${JSON.stringify(category)}]`, stats)
  profile.recent.forEach((time, index) => check(`recent[${index}]`, time))
  if (profile.usualLocation) {
    check('usualLocation.lat', profile.usualLocation.lat)
    check('usualLocation.long', profile.usualLocation.long)
    check('usualLocation.n', profile.usualLocation.n)
  }
  return found
}
