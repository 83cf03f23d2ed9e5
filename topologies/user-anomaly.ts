import { defineTopology, serdes, Stores, type KeyValueStore, type Processor, type ProcessorContext, type Record, type Serde, type BackendKind } from 'sluice'
import type { SinkTable } from 'sluice/postgres'
import { alreadySeen, assess, burstRule, DEFAULT_SCORING, emptyProfile, learn, levelOf, nonFiniteFields, type AlertLevel, type AlertReason, type ScoringConfig, type UserProfile } from './anomaly-scoring.js'
import { cdcTransactions, type CdcTransactionsOptions } from './cdc-transactions.js'
import { transaction, transactionTime, type Transaction } from './schemas.js'

/** An alert on one transaction, written to the alerts topic as JSON keyed by cc_num. */
export interface FraudAlert {
  trans_num: string
  cc_num: string
  unix_time: number
  trans_date_trans_time: string
  amt: number
  merchant: string
  category: string
  /** Combined score in [0, 1]. */
  score: number
  level: AlertLevel
  /** The rules that scored, highest first, each with its numbers and a message. */
  reasons: AlertReason[]
  /** Transactions of the user seen before this one. */
  history: number
}

function isFraudAlert(value: unknown): value is FraudAlert {
  if (typeof value !== 'object' || value === null) return false
  const alert = value as Partial<FraudAlert>
  return typeof alert.trans_num === 'string' && typeof alert.score === 'number' && typeof alert.level === 'string' && Array.isArray(alert.reasons)
}

export const fraudAlert: Serde<FraudAlert> = serdes.json<FraudAlert>(isFraudAlert)
export const userProfile: Serde<UserProfile> = serdes.json<UserProfile>()

/** A transaction of a card's burst session, with what an alert on it needs. */
export interface SessionTransaction {
  trans_num: string
  unix_time: number
  trans_date_trans_time: string
  amt: number
  merchant: string
  category: string
  /** An alert was raised on it (when it came, or later as part of the burst). */
  alerted: boolean
}

/**
 * A card's latest session window: [start, end] in ms, the times of its first and last
 * transaction, none more than the burst gap after the one before; its transactions oldest
 * first (the latest few kept), how many and their total amount.
 */
export interface CardSession {
  start: number
  end: number
  transactions: SessionTransaction[]
  count: number
  total: number
}

export const cardSession: Serde<CardSession> = serdes.json<CardSession>()

/** Transactions of a session kept for alerting them later: a burst is at most a handful. */
const SESSION_TRANSACTIONS_KEPT = 16

export interface UserAnomalyOptions {
  applicationId?: string
  inputTopic?: string
  alertsTopic?: string
  /** Name of the per-user profile store (default `user-profiles`). */
  store?: string
  /** Name of the per-card session store of bursts (default `card-sessions`). */
  sessionStore?: string
  /** Store backend (default: the application's, LevelDB). */
  backend?: BackendKind
  /**
   * The input must be partitioned by cc_num (the generator keys it so). When it is not (a
   * Debezium topic keyed by the table's primary key, say), name a topic here: the stream is
   * re-keyed by cc_num and written through it first.
   */
  rekeyTopic?: string
  /**
   * Read the Debezium topic of the `transactions` table instead of the JSON topic (see
   * cdc-transactions.ts). Its records are keyed by trans_num: they are re-keyed by card
   * through an internal repartition topic, `<applicationId>-<rekeyTopic>-repartition`
   * (`rekeyTopic` defaults to `transactions-by-card` here).
   */
  cdc?: boolean | CdcTransactionsOptions
  /** Overrides of the scoring thresholds (see DEFAULT_SCORING). */
  scoring?: Partial<ScoringConfig>
}

/** Scores each transaction against its user's profile and forwards alerts; keeps the profile in a key-value store. */
export class UserAnomalyProcessor implements Processor<string, Transaction, string, FraudAlert> {
  private context!: ProcessorContext<string, FraudAlert>
  private store!: KeyValueStore<string, UserProfile>
  private sessions!: KeyValueStore<string, CardSession>

  constructor(
    private readonly storeName: string,
    private readonly config: ScoringConfig,
    private readonly sessionStoreName = 'card-sessions',
  ) {}

  init(context: ProcessorContext<string, FraudAlert>): void {
    this.context = context
    this.store = context.getStateStore<KeyValueStore<string, UserProfile>>(this.storeName)
    this.sessions = context.getStateStore<KeyValueStore<string, CardSession>>(this.sessionStoreName)
  }

  process(record: Record<string, Transaction>): void {
    const tx = record.value
    if (tx === null || tx === undefined) return // a tombstone: nothing to score
    const user = tx.cc_num
    const profile = this.store.get(user) ?? emptyProfile()
    if (alreadySeen(profile, tx.trans_num)) return
    const session = this.joinSession(user, tx)
    const span = session.transactions
    const first = span[0]?.unix_time ?? tx.unix_time
    const assessment = assess(profile, tx, this.config, { count: session.count, spanSeconds: tx.unix_time - first, total: session.total })
    const learned = learn(profile, tx, assessment, this.config)
    // The serde validates transactions; this guards the store against what slips past it
    // (another serde, a scoring change): the record fails (dead-lettered) and the profile stays as it was.
    const broken = [...(Number.isFinite(assessment.score) ? [] : ['score']), ...nonFiniteFields(learned).map((field) => `profile.${field}`)]
    if (broken.length > 0) throw new Error(`transaction ${tx.trans_num} of card ${user} gives non-finite numbers (${broken.join(', ')}): not scored, the profile is left as it was`)
    this.store.put(user, learned)
    const current = span.find((entry) => entry.trans_num === tx.trans_num)
    if (current) current.alerted = assessment.level !== null
    // A burst seen now: the session's earlier transactions, ordinary one by one, were part of it.
    const burst = burstRule({ count: session.count, spanSeconds: tx.unix_time - first, total: session.total }, this.config)
    if (burst) {
      for (const earlier of span) {
        if (earlier.alerted || earlier === current) continue
        earlier.alerted = true
        const { alerted: _alerted, ...fields } = earlier
        this.context.forward(record.withKey(user).withValue({ ...fields, cc_num: user, score: burst.score, level: levelOf(burst.score, this.config) ?? 'HIGH', reasons: [burst], history: profile.count }))
      }
    }
    this.sessions.put(user, session)
    if (assessment.level === null) return
    const alert: FraudAlert = {
      trans_num: tx.trans_num,
      cc_num: user,
      unix_time: tx.unix_time,
      trans_date_trans_time: tx.trans_date_trans_time,
      amt: tx.amt,
      merchant: tx.merchant,
      category: tx.category,
      score: assessment.score,
      level: assessment.level,
      reasons: assessment.reasons,
      history: profile.count,
    }
    this.context.forward(record.withKey(user).withValue(alert))
  }

  /**
   * The card's session window with this transaction in it: the latest one extended when the
   * transaction lies within the burst gap of it (a transaction a little out of order too), a
   * new one otherwise (only a card's latest session can be a burst under way). A session
   * window per card kept in a key-value store, read synchronously: a session store's range
   * read per record made the detector six times slower (npm run evaluate, session 7).
   */
  private joinSession(card: string, tx: Transaction): CardSession {
    const gapMs = this.config.burst.gapSeconds * 1000
    const at = tx.unix_time * 1000
    const entry: SessionTransaction = { trans_num: tx.trans_num, unix_time: tx.unix_time, trans_date_trans_time: tx.trans_date_trans_time, amt: tx.amt, merchant: tx.merchant, category: tx.category, alerted: false }
    const latest = this.sessions.get(card)
    if (!latest || at < latest.start - gapMs || at > latest.end + gapMs) return { start: at, end: at, transactions: [entry], count: 1, total: tx.amt }
    const transactions = [...latest.transactions.map((kept) => ({ ...kept })), entry].sort((a, b) => a.unix_time - b.unix_time).slice(-SESSION_TRANSACTIONS_KEPT)
    return { start: Math.min(latest.start, at), end: Math.max(latest.end, at), transactions, count: latest.count + 1, total: latest.total + tx.amt }
  }
}

function mergeScoring(overrides: Partial<ScoringConfig> = {}): ScoringConfig {
  const d = DEFAULT_SCORING
  return {
    ...d,
    ...overrides,
    amount: { ...d.amount, ...overrides.amount },
    velocity: { ...d.velocity, ...overrides.velocity },
    burst: { ...d.burst, ...overrides.burst },
    distance: { ...d.distance, ...overrides.distance },
    thresholds: { ...d.thresholds, ...overrides.thresholds },
  }
}

/**
 * fraud_alerts: one row per alert, insert-only, unique on trans_num. The sink writes rows and
 * offsets in one database transaction, so each alert lands exactly once.
 */
export function fraudAlertsTable(topic = 'alerts', table = 'fraud_alerts'): SinkTable<string, FraudAlert> {
  return {
    topic,
    table,
    key: serdes.string(),
    value: fraudAlert,
    mode: 'insert',
    columns: {
      trans_num: 'text NOT NULL',
      cc_num: 'text NOT NULL',
      unix_time: 'bigint NOT NULL',
      transaction_time: 'timestamptz NOT NULL',
      amt: 'double precision NOT NULL',
      merchant: 'text',
      category: 'text',
      score: 'double precision NOT NULL',
      level: 'text NOT NULL',
      reasons: 'jsonb NOT NULL',
      history: 'integer NOT NULL',
    },
    primaryKey: ['trans_num'],
    row: (_key, alert) =>
      alert === null
        ? null
        : {
            trans_num: alert.trans_num,
            cc_num: alert.cc_num,
            unix_time: alert.unix_time,
            transaction_time: new Date(alert.unix_time * 1000),
            amt: alert.amt,
            merchant: alert.merchant,
            category: alert.category,
            score: alert.score,
            level: alert.level,
            // pg would send a JS array as a PostgreSQL array: pass JSON text for jsonb.
            reasons: JSON.stringify(alert.reasons),
            history: alert.history,
          },
  }
}

/** Per-user anomaly detection: transactions keyed by cc_num in, alerts (JSON, keyed by cc_num) out. */
export function userAnomaly(options: UserAnomalyOptions = {}) {
  const applicationId = options.applicationId ?? 'user-anomaly'
  const storeName = options.store ?? 'user-profiles'
  const sessionStoreName = options.sessionStore ?? 'card-sessions'
  const config = mergeScoring(options.scoring)
  return defineTopology({ applicationId }, (b) => {
    const source = { key: serdes.string(), value: transaction, timestamp: transactionTime }
    let byCard
    if (options.cdc) {
      byCard = cdcTransactions(b, { topic: options.inputTopic, ...(options.cdc === true ? {} : options.cdc) })
        .selectKey((_key, tx) => tx.cc_num, { name: 'key-by-card' })
        .repartition({ key: serdes.string(), value: transaction, repartition: options.rekeyTopic ?? 'transactions-by-card' })
    } else {
      byCard = b.stream(options.inputTopic ?? 'transactions', source)
      if (options.rekeyTopic) {
        // A tombstone keeps its key: there is no card to key it by, and the processor skips it.
        byCard.selectKey((key, tx) => (tx === null ? key : tx.cc_num), { name: 'key-by-card' }).to(options.rekeyTopic, { name: 'to-rekey-topic', key: serdes.string(), value: transaction })
        byCard = b.stream(options.rekeyTopic, { ...source, name: 'rekeyed-source' })
      }
    }
    byCard
      .process(() => new UserAnomalyProcessor(storeName, config, sessionStoreName), {
        name: 'score-transactions',
        stores: [
          Stores.keyValue(storeName, { key: serdes.string(), value: userProfile, backend: options.backend }),
          Stores.keyValue(sessionStoreName, { key: serdes.string(), value: cardSession, backend: options.backend }),
        ],
      })
      .to(options.alertsTopic ?? 'alerts', { name: 'alerts-sink', key: serdes.string(), value: fraudAlert })
  })
}

export default userAnomaly()
