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
export class DemoProcess {
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
export async function lag(admin: Admin, groupId: string, topic: string): Promise<number> {
  const ends = await admin.fetchTopicOffsets(topic)
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] })
  return ends.reduce((sum, end) => {
    const offset = committed?.partitions.find((entry) => entry.partition === end.partition)?.offset ?? '-1'
    return sum + Number(end.high) - Math.max(0, Number(offset))
  }, 0)
}

/**
 * Where the demo's transactions come from on Kafka, and what the two `sluice run` processes
 * run on them: the generator writing a topic (--kafka, kafkaFeed below) or PostgreSQL through
 * Debezium (--cdc, cdc-feed.ts).
 */
export interface DemoFeed {
  /** What it is, for the start message. */
  readonly description: string
  /** The topic both topologies read, whose lag says they are done. */
  readonly topic: string
  /** Topology file, then the rest of `sluice run`'s arguments, of the counts and the detector process. */
  readonly counts: readonly string[]
  readonly anomaly: readonly string[]
  /** Variables of both processes besides the run's names. */
  readonly env?: NodeJS.ProcessEnv
  /** Before the processes start: the topic they read must exist. */
  prepare(admin: Admin): Promise<void>
  /** Generates the transactions; resolves with how many. */
  write(): Promise<number>
  /** Anything else that must be through before the run ends (notifications delivered, say). */
  finished?(alerts: number): boolean
  /** A last word for the summary (lags, deliveries), then releases what prepare() made. */
  report?(admin: Admin): Promise<void>
  close?(): Promise<void>
}

/** The generator writing the run's transactions topic (6 partitions). */
export function kafkaFeed(options: DemoOptions, names: ReturnType<typeof demoNames>): DemoFeed {
  return {
    description: `writing transactions to ${names.transactions}`,
    topic: names.transactions,
    counts: [join(HERE, 'kafka/category-counts.ts')],
    anomaly: [join(HERE, 'kafka/user-anomaly.ts')],
    // Event times are in the past: no time-based retention, or the broker would delete them.
    prepare: (admin) => createTopicRetrying(() => admin.createTopics({ topics: [{ topic: names.transactions, numPartitions: 6, configEntries: [{ name: 'retention.ms', value: '-1' }] }], waitForLeaders: true })).then(() => undefined),
    write: () =>
      writeToKafka(generateTransactions({ seed: options.seed, users: options.users, count: options.count }), {
        brokers: options.brokers,
        topic: names.transactions,
        rate: options.rate,
        clientId: 'sluice-demo-generator',
      }),
  }
}

/**
 * The same pipeline on Kafka: two `sluice run` processes (each topology with its sink, exactly
 * once) under names of their own for this run; the feed writes the transactions while the live
 * summary follows the PostgreSQL tables. Returns once every transaction is counted and the
 * detector has consumed its input, then stops the processes with SIGTERM.
 */
export async function runOnKafka(options: DemoOptions, database: SqlDatabase, summary: LiveSummary, feedOf: (names: ReturnType<typeof demoNames>) => DemoFeed = (names) => kafkaFeed(options, names)): Promise<void> {
  const run = Date.now().toString(36)
  const env: NodeJS.ProcessEnv = { ...process.env, DEMO_RUN: run, DEMO_WINDOW: String(options.windowSize), DEMO_GRACE: String(options.grace ?? replayGrace(options)), SLUICE_BROKERS: options.brokers.join(','), SLUICE_PG_URL: options.pgUrl }
  const names = demoNames(env)
  const feed = feedOf(names)
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
    void Promise.all(processes.map((child) => child.stop()))
      .then(() => feed.close?.())
      .then(() => process.exit(130))
  }
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal)
  try {
    await feed.prepare(admin)
    const common = ['--guarantee', 'exactly_once', '--offset-reset', 'earliest', '--state-dir', options.stateDir]
    const processEnv = { ...env, ...feed.env }
    const [countsTopology, ...countsArgs] = feed.counts
    const [anomalyTopology, ...anomalyArgs] = feed.anomaly
    const consoleOf = (offset: number): string[] => (options.consolePort === undefined ? [] : ['--console-port', String(options.consolePort + offset)])
    processes.push(
      new DemoProcess('category counts', join(logDir, 'category-counts.log'), ['run', countsTopology ?? '', '--sink', join(HERE, 'kafka/metrics-sink.ts'), ...countsArgs, ...common, ...consoleOf(0)], processEnv),
      new DemoProcess('user anomaly', join(logDir, 'user-anomaly.log'), ['run', anomalyTopology ?? '', '--sink', join(HERE, 'kafka/alerts-sink.ts'), ...anomalyArgs, ...common, ...consoleOf(1)], processEnv),
    )
    console.log(`started 2 sluice processes (logs in ${logDir}); ${feed.description}`)
    if (options.consolePort !== undefined) {
      console.log(`web consoles: category counts http://127.0.0.1:${options.consolePort}/, fraud detector http://127.0.0.1:${options.consolePort + 1}/`)
    }
    const follower = new TableFollower(database, summary)
    let written: number | undefined
    const generating = feed.write().then((count) => (written = count))
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
      const detectorDone = (await lag(admin, names.anomalyApplication, feed.topic)) === 0
      const countsDone = (await lag(admin, names.countsApplication, feed.topic)) === 0
      // Every transaction counted, or (records dropped as late) nothing changing any more.
      const allCounted = follower.counted === written
      const feedDone = feed.finished?.(follower.alerts) ?? true
      if (detectorDone && countsDone && feedDone && Date.now() - stableSince >= (allCounted ? 3000 : 10_000)) break
      if (Date.now() - started > GIVE_UP_MS) throw new Error(`gave up after ${GIVE_UP_MS / 60_000} minutes: ${follower.counted} of ${written} transactions counted`)
    }
    await generating
    summary.finish()
    if (follower.counted !== written) console.log(`${(written ?? 0) - follower.counted} transactions arrived after their window closed and were dropped as late (see --grace)`)
    await feed.report?.(admin)
    if (options.consolePort !== undefined) {
      console.log(`the pipeline keeps running for its consoles (http://127.0.0.1:${options.consolePort}/ and :${options.consolePort + 1}/); Ctrl-C stops it`)
      // Until the signal handler above stops the processes and exits.
      await new Promise<never>(() => setInterval(() => undefined, 60_000))
    }
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal)
    await Promise.all(processes.map((child) => child.stop()))
    await feed.close?.()
    await admin.disconnect()
  }
}

/** Feeds the live summary from the tables the sinks write. */
export class TableFollower {
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
