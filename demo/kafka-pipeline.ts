import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, openSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Kafka, logLevel, type Admin } from 'kafkajs'
import { createTopicRetrying, generateTransactions, writeToKafka } from './generator/index.js'
import type { SqlDatabase } from 'sluice/postgres'
import { DEMO_TABLES, replayGrace, type DemoOptions } from './demo-options.js'
import { demoNames } from './kafka/demo-names.js'
import type { LiveSummary } from './live-summary.js'

const BIN = fileURLToPath(new URL('../bin/sluice.js', import.meta.url))
const HERE = fileURLToPath(new URL('.', import.meta.url))
const POLL_MS = 1000
const GIVE_UP_MS = 10 * 60_000

/** A `sluice run` process of the demo, its output in a log file. */
class DemoProcess {
  readonly exited: Promise<number | null>
  private readonly child: ChildProcess
  private exitCode: number | null | undefined

  constructor(readonly name: string, readonly logFile: string, args: string[], env: NodeJS.ProcessEnv) {
    const log = openSync(logFile, 'a')
    this.child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', log, log] })
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve((this.exitCode = code))))
  }

  /** Throws, with the end of its log, if the process has died. */
  check(): void {
    if (this.exitCode === undefined) return
    const tail = readFileSync(this.logFile, 'utf8').split('\n').slice(-15).join('\n')
    throw new Error(`${this.name} exited with code ${this.exitCode}; the end of ${this.logFile}:\n${tail}`)
  }

  async stop(): Promise<void> {
    if (this.exitCode !== undefined) return
    this.child.kill('SIGTERM')
    await this.exited
  }
}

/** Records of the topic not yet committed by the group (exact for topics written without transactions). */
async function lag(admin: Admin, groupId: string, topic: string): Promise<number> {
  const ends = await admin.fetchTopicOffsets(topic)
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] })
  return ends.reduce((sum, end) => {
    const offset = committed?.partitions.find((entry) => entry.partition === end.partition)?.offset ?? '-1'
    return sum + Number(end.high) - Math.max(0, Number(offset))
  }, 0)
}

/**
 * The same pipeline on Kafka: two `sluice run` processes (each topology with its sink, exactly
 * once) under names of their own for this run; the generator writes to Kafka while the live
 * summary follows the PostgreSQL tables. Returns once every transaction is counted and the
 * detector has consumed its input, then stops the processes with SIGTERM.
 */
export async function runOnKafka(options: DemoOptions, database: SqlDatabase, summary: LiveSummary): Promise<void> {
  const run = Date.now().toString(36)
  const env: NodeJS.ProcessEnv = { ...process.env, DEMO_RUN: run, DEMO_WINDOW: String(options.windowSize), DEMO_GRACE: String(options.grace ?? replayGrace(options)), SLUICE_BROKERS: options.brokers.join(','), SLUICE_PG_URL: options.pgUrl }
  const names = demoNames(env)
  const kafka = new Kafka({ clientId: 'sluice-demo', brokers: options.brokers, logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect().catch((error: unknown) => {
    throw new Error(`cannot reach Kafka at ${options.brokers.join(',')} (start it with \`npm run services:up\` or \`docker compose up\`): ${String(error)}`)
  })
  const logDir = join(options.stateDir, `sluice-demo-${run}-logs`)
  mkdirSync(logDir, { recursive: true })
  const processes: DemoProcess[] = []
  // Ctrl-C or a kill of the demo must not leave its processes behind.
  const onSignal = (signal: NodeJS.Signals): void => {
    console.log(`${signal}: stopping the sluice processes`)
    void Promise.all(processes.map((child) => child.stop())).then(() => process.exit(130))
  }
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal)
  try {
    // Event times are in the past: no time-based retention, or the broker would delete them.
    await createTopicRetrying(() => admin.createTopics({ topics: [{ topic: names.transactions, numPartitions: 6, configEntries: [{ name: 'retention.ms', value: '-1' }] }], waitForLeaders: true }))
    const common = ['--guarantee', 'exactly_once', '--offset-reset', 'earliest', '--state-dir', options.stateDir]
    processes.push(
      new DemoProcess('category counts', join(logDir, 'category-counts.log'), ['run', join(HERE, 'kafka/category-counts.ts'), '--sink', join(HERE, 'kafka/metrics-sink.ts'), ...common], env),
      new DemoProcess('user anomaly', join(logDir, 'user-anomaly.log'), ['run', join(HERE, 'kafka/user-anomaly.ts'), '--sink', join(HERE, 'kafka/alerts-sink.ts'), ...common], env),
    )
    console.log(`started 2 sluice processes (logs in ${logDir}); writing transactions to ${names.transactions}`)
    const follower = new TableFollower(database, summary)
    let written: number | undefined
    const generating = writeToKafka(generateTransactions({ seed: options.seed, users: options.users, count: options.count }), {
      brokers: options.brokers,
      topic: names.transactions,
      rate: options.rate,
      clientId: 'sluice-demo-generator',
    }).then((count) => (written = count))
    generating.catch(() => undefined)

    const started = Date.now()
    let stableSince = Date.now()
    let last = ''
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
      for (const child of processes) child.check()
      const state = await follower.poll()
      if (state !== last) {
        stableSince = Date.now()
        console.log(`counted ${follower.counted}${written === undefined ? '' : ` of ${written}`} transactions, ${follower.alerts} alerts`)
      }
      last = state
      if (written === undefined) continue
      const detectorDone = (await lag(admin, names.anomalyApplication, names.transactions)) === 0
      const countsDone = (await lag(admin, names.countsApplication, names.transactions)) === 0
      // Every transaction counted, or (records dropped as late) nothing changing any more.
      const allCounted = follower.counted === written
      if (detectorDone && countsDone && Date.now() - stableSince >= (allCounted ? 3000 : 10_000)) break
      if (Date.now() - started > GIVE_UP_MS) throw new Error(`gave up after ${GIVE_UP_MS / 60_000} minutes: ${follower.counted} of ${written} transactions counted`)
    }
    await generating
    summary.finish()
    if (follower.counted !== written) console.log(`${(written ?? 0) - follower.counted} transactions arrived after their window closed and were dropped as late (see --grace)`)
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal)
    await Promise.all(processes.map((child) => child.stop()))
    await admin.disconnect()
  }
}

/** Feeds the live summary from the tables the sinks write. */
class TableFollower {
  counted = 0
  alerts = 0
  private readonly seenAlerts = new Set<string>()

  constructor(
    private readonly database: SqlDatabase,
    private readonly summary: LiveSummary,
  ) {}

  /** Reads the tables once; returns a fingerprint that changes when they do. */
  async poll(): Promise<string> {
    const exists = await this.database.query<{ metrics: string | null; alerts: string | null }>(`SELECT to_regclass($1)::text AS metrics, to_regclass($2)::text AS alerts`, [DEMO_TABLES.metrics, DEMO_TABLES.alerts])
    if (!exists[0].metrics || !exists[0].alerts) return 'no tables yet'
    const counts = await this.database.query<{ start: number; end: number; category: string; count: number }>(
      `SELECT (extract(epoch FROM window_start) * 1000)::float8 AS start, (extract(epoch FROM window_end) * 1000)::float8 AS end, category, count::int AS count FROM ${DEMO_TABLES.metrics}`,
    )
    let latestStart = -Infinity
    this.counted = 0
    for (const row of counts) {
      this.summary.countUpdated({ start: row.start, end: row.end }, row.category, row.count)
      latestStart = Math.max(latestStart, row.start)
      this.counted += row.count
    }
    const alerts = await this.database.query<{ trans_num: string; transaction_time: Date; cc_num: string; amt: number; category: string; score: number; level: string; rules: string[] }>(
      `SELECT trans_num, transaction_time, cc_num, amt, category, score, level, ARRAY(SELECT reason->>'rule' FROM jsonb_array_elements(reasons) AS reason) AS rules FROM ${DEMO_TABLES.alerts} ORDER BY transaction_time`,
    )
    for (const alert of alerts) {
      if (this.seenAlerts.has(alert.trans_num)) continue
      this.seenAlerts.add(alert.trans_num)
      this.summary.alert({ ...alert, time: alert.transaction_time.toISOString().slice(0, 19).replace('T', ' ') })
    }
    // A window is closed once stream time passed its end plus grace; the latest window's start is a lower bound of stream time.
    this.summary.advanceTo(latestStart)
    this.alerts = this.seenAlerts.size
    return `${this.counted}/${this.alerts}`
  }
}
