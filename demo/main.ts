// `npm run demo [-- --count 20000 --users 200 --seed 42 --window 1d --pg-url postgres://… --kafka | --cdc --rate 2000 --full]`
// The shipped fraud pipeline end to end: generated transactions -> category counts and user
// anomaly detection -> fraud_metrics and fraud_alerts in PostgreSQL. In-process on an embedded
// PostgreSQL (PGlite) by default; on Kafka as separate processes with --kafka; from a PostgreSQL
// table through Debezium with --cdc.
import { parseArgs } from 'node:util'
import { PgDatabase, type SqlDatabase } from 'sluice/postgres'
import { toMillis, type Duration } from 'sluice'
import { DEFAULT_DEMO_OPTIONS, IN_PROCESS_GRACE, replayGrace, resetDemoTables, type DemoOptions } from './demo-options.js'
import { printTables } from './final-report.js'
import { runInProcess } from './in-process-pipeline.js'
import { cdcFeed } from './cdc-feed.js'
import { runOnKafka } from './kafka-pipeline.js'
import { LiveSummary } from './live-summary.js'
import { PgliteDatabase } from './pglite-database.js'

const USAGE = `npm run demo [-- options]

The shipped fraud pipeline: generated transactions -> category counts and user anomaly
detection -> fraud_metrics and fraud_alerts in PostgreSQL.

  --count n        transactions to generate (default 20000)
  --users n        card holders (default 200; about count/users transactions each)
  --seed n         generator seed (default 42)
  --window d       category count window, e.g. 1h, 1d (default 1d)
  --grace d        window grace (default 1h in-process; the generated span with --kafka)
  --rate n         transactions per second of wall-clock time (default: as fast as possible)
  --pg-url url     write into this PostgreSQL [SLUICE_PG_URL] (default: embedded PGlite in-process)
  --kafka          run on Kafka as separate sluice processes (services up, or docker compose up)
  --console-port p with --kafka or --cdc: the web console of the category counts at http://127.0.0.1:p/,
                   of the fraud detector at p+1; the pipeline keeps running after its report until Ctrl-C
  --cdc            on Kafka, from PostgreSQL: the generator inserts into sluice_demo.transactions,
                   Debezium streams it (Kafka Connect, started if missing), alerts also go to a
                   local webhook receiver through the Slack notifier, which prints them
  --connect-url u  Kafka Connect for --cdc [SLUICE_CONNECT_URL] (default http://127.0.0.1:8083)
  --brokers list   Kafka brokers [SLUICE_BROKERS] (default localhost:9092)
  --state-dir dir  state directory [SLUICE_STATE_DIR] (default state)
  --full           print every row of both tables at the end
`

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const number = Number(value)
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number <= 0) throw new Error(`--${name} must be a positive whole number, got "${value}"`)
  return number
}

function duration(name: string, value: string | undefined, minimumMs: number): Duration | undefined {
  if (value === undefined) return undefined
  try {
    if (toMillis(value as Duration) >= minimumMs) return value as Duration
  } catch {
    // reported below
  }
  throw new Error(`--${name} must be a duration such as 1d, 1h, 10s or 500ms, got "${value}"`)
}

function parseOptions(args: string[]): DemoOptions {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      count: { type: 'string' },
      users: { type: 'string' },
      seed: { type: 'string' },
      window: { type: 'string' },
      grace: { type: 'string' },
      'pg-url': { type: 'string' },
      kafka: { type: 'boolean', default: false },
      cdc: { type: 'boolean', default: false },
      'connect-url': { type: 'string' },
      brokers: { type: 'string' },
      'state-dir': { type: 'string' },
      rate: { type: 'string' },
      full: { type: 'boolean', default: false },
      'console-port': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    process.stdout.write(USAGE)
    process.exit(0)
  }
  const env = process.env
  const defaults = DEFAULT_DEMO_OPTIONS
  const count = positive('count', values.count, defaults.count)
  const users = positive('users', values.users, defaults.users)
  const cdc = values.cdc ?? false
  const kafka = (values.kafka ?? false) || cdc
  return {
    count,
    users,
    seed: positive('seed', values.seed, defaults.seed),
    windowSize: duration('window', values.window, 1) ?? defaults.windowSize,
    // One CDC partition, in insertion (event-time) order: the in-process grace is enough.
    grace: duration('grace', values.grace, 0) ?? (kafka && !cdc ? replayGrace({ count, users }) : IN_PROCESS_GRACE),
    pgUrl: values['pg-url'] ?? env.SLUICE_PG_URL ?? (kafka ? 'postgres://sluice:sluice@127.0.0.1:5432/sluice' : undefined),
    kafka,
    cdc,
    connectUrl: values['connect-url'] ?? env.SLUICE_CONNECT_URL ?? defaults.connectUrl,
    brokers: (values.brokers ?? env.SLUICE_BROKERS ?? defaults.brokers.join(',')).split(','),
    stateDir: values['state-dir'] ?? env.SLUICE_STATE_DIR ?? defaults.stateDir,
    rate: values.rate === undefined ? undefined : positive('rate', values.rate, 0),
    fullTables: values.full ?? false,
    consolePort: consolePortOf(values['console-port'], kafka),
  }
}

function consolePortOf(text: string | undefined, kafka: boolean): number | undefined {
  if (text === undefined) return undefined
  // The in-process default runs the topologies in the test driver: no running application to show.
  if (!kafka) throw new Error('--console-port needs --kafka (or --cdc): the in-process demo runs the topologies in the test driver, which has no console')
  const port = Number(text)
  if (!Number.isInteger(port) || port < 1 || port > 65534) throw new Error(`--console-port must be a port from 1 to 65534, got ${JSON.stringify(text)}`)
  return port
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2))
  const grace = options.grace ?? IN_PROCESS_GRACE
  const database: SqlDatabase = options.pgUrl ? new PgDatabase(options.pgUrl) : await PgliteDatabase.open()
  const where = options.pgUrl ? `PostgreSQL at ${options.pgUrl.replace(/:[^:@/]*@/, ':***@')}` : 'an embedded PostgreSQL (PGlite, in memory)'
  const how = options.cdc ? `from PostgreSQL through Debezium (${options.connectUrl}) on Kafka (${options.brokers.join(',')}) as separate sluice processes` : options.kafka ? `on Kafka (${options.brokers.join(',')}) as separate sluice processes` : `in-process, LevelDB state under ${options.stateDir}/`
  console.log(`Sluice demo: ${options.count} transactions of ${options.users} card holders (seed ${options.seed}), ${how}, into ${where}`)
  console.log(`category counts per ${options.windowSize} window (grace ${grace}); medium and high alerts are shown as they come`)
  try {
    await resetDemoTables(database)
    const summary = new LiveSummary(toMillis(grace))
    const started = Date.now()
    if (options.cdc) await runOnKafka(options, database, summary, (names) => cdcFeed(options, database, names))
    else if (options.kafka) await runOnKafka(options, database, summary)
    else await runInProcess(options, database, summary)
    console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    await printTables(database, options.fullTables)
  } finally {
    await database.close()
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
