import type { Duration } from 'sluice'
import type { SqlDatabase } from 'sluice/postgres'

/** Everything `npm run demo` can be told; defaults make a run of a few seconds. */
export interface DemoOptions {
  /** Transactions to generate. */
  count: number
  /** Card holders; about `count / users` transactions each (the detector needs some history per user). */
  users: number
  seed: number
  /** Tumbling window of the category counts. Generated users spend a few times a day, so a day shows a shape. */
  windowSize: Duration
  /** Default: 1h in-process; on Kafka, the whole generated span (see replayGrace). */
  grace?: Duration
  /** Write into this PostgreSQL instead of the embedded one. */
  pgUrl?: string
  /** Run on Kafka as separate `sluice run` processes instead of in-process. */
  kafka: boolean
  /** On Kafka, with the transactions inserted into PostgreSQL and captured by Debezium (implies kafka). */
  cdc: boolean
  /** Kafka Connect's REST API, for --cdc. */
  connectUrl: string
  brokers: string[]
  stateDir: string
  /** Transactions per second of wall-clock time (default: as fast as possible). */
  rate?: number
  /** Print every row of the tables at the end, not a digest. */
  fullTables: boolean
  /** On Kafka: the category counts' web console on this port, the detector's on the next; the pipeline then runs on until Ctrl-C. */
  consolePort?: number
}

export const DEFAULT_DEMO_OPTIONS: DemoOptions = {
  count: 20_000,
  users: 200,
  seed: 42,
  windowSize: '1d',
  kafka: false,
  cdc: false,
  connectUrl: 'http://127.0.0.1:8083',
  brokers: ['localhost:9092'],
  stateDir: 'state',
  fullTables: false,
}

/**
 * The tables the demo writes, recreated when a run starts. They live in a schema of their own
 * so that the demo never touches the tables the shipped sinks write in the same database.
 */
export const DEMO_SCHEMA = 'sluice_demo'
export const DEMO_TABLES = { metrics: `${DEMO_SCHEMA}.fraud_metrics`, alerts: `${DEMO_SCHEMA}.fraud_alerts`, sinkOffsets: `${DEMO_SCHEMA}.sink_offsets` } as const

/** Grace of the in-process run: its single input partition arrives in event-time order. */
export const IN_PROCESS_GRACE: Duration = '1h'

/**
 * Grace of the Kafka run. Replaying weeks of generated history at full speed, each input
 * partition's fetch spans days of event time, and the repartition topic interleaves the
 * partitions by up to the whole span: a short grace would drop most records as late. The
 * generator's card holders spend about 3 times a day, so the span is count / users / 3 days.
 */
export function replayGrace(options: Pick<DemoOptions, 'count' | 'users'>): Duration {
  return `${Math.ceil(options.count / options.users / 3) + 2}d`
}

/** Drops and recreates nothing but the demo's own schema objects: each run starts from empty tables. */
export async function resetDemoTables(database: SqlDatabase): Promise<void> {
  await database.query(`CREATE SCHEMA IF NOT EXISTS ${DEMO_SCHEMA}`)
  for (const table of Object.values(DEMO_TABLES)) await database.query(`DROP TABLE IF EXISTS ${table}`)
}
