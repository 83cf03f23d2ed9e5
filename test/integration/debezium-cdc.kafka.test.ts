// PostgreSQL -> Debezium -> Kafka -> Sluice -> PostgreSQL on the real services: a Kafka Connect
// worker of this file's own (scripts/services.sh, so that it can be killed), the Debezium
// PostgreSQL connector capturing a table of this file's own, the shipped topologies on CDC input
// under exactly-once, and the exactly-once sink. The result tables must equal what the table's
// rows give, through a snapshot, updates, deletes, a connector restart and a worker killed -9.
import { execFileSync } from 'node:child_process'
import { readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { KafkaStreams, serdes } from 'sluice'
import { ConnectClient, databaseAddressOf, parseDebeziumChange, type ConnectorDefinition } from 'sluice/debezium'
import { PostgresSink } from 'sluice/postgres'
import { generateTransactions, transactionsTableSql, writeToPostgres } from '../../demo/generator/index.js'
import { categoryCounts } from '../../topologies/category-counts.js'
import { fraudMetricsTable } from '../../topologies/fraud-metrics-sink.js'
import type { Transaction } from '../../topologies/transaction.js'
import { fraudAlert, fraudAlertsTable, userAnomaly } from '../../topologies/user-anomaly.js'
import { runSluice, type CliResult } from '../cli/run-sluice.js'
import { withDriver } from '../helpers/driver.js'
import { connectorUnderTest } from './fixtures/connector-under-test.js'
import { BROKERS, createTopic, readTopic, unique, waitFor, withAdmin } from './kafka-helpers.js'
import { metricsIn, referenceCounts, sleep } from './pipeline-helpers.js'

const CONNECTOR_FIXTURE = fileURLToPath(new URL('./fixtures/connector-under-test.ts', import.meta.url))

const PG_URL = process.env.SLUICE_PG_URL ?? 'postgres://sluice:sluice@127.0.0.1:5432/sluice'
const SERVICES = fileURLToPath(new URL('../../scripts/services.sh', import.meta.url))
const [KAFKA_HOST, KAFKA_PORT] = (BROKERS[0] ?? '127.0.0.1:9092').split(':')

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** A Kafka Connect worker of its own: own port, group and topics, the shared downloads. */
class ConnectWorker {
  readonly servicesDir = join(tmpdir(), unique('connect-worker'))
  private env: { [name: string]: string | undefined } = {}
  url = ''

  async start(): Promise<void> {
    execFileSync('bash', [SERVICES, 'fetch', 'connect'], { stdio: 'inherit' })
    const home = execFileSync('bash', [SERVICES, 'home', 'connect'], { encoding: 'utf8' }).trim()
    const port = await freePort()
    this.url = `http://127.0.0.1:${port}`
    this.env = {
      ...process.env,
      SLUICE_SERVICES_DIR: this.servicesDir,
      SLUICE_CONNECT_HOME: home,
      SLUICE_CONNECT_PORT: String(port),
      SLUICE_CONNECT_GROUP: unique('connect'),
      SLUICE_KAFKA_HOST: KAFKA_HOST,
      SLUICE_KAFKA_PORT: KAFKA_PORT,
      // Offsets flushed every 2 s: a worker killed between two flushes sends the changes since the last one again.
      SLUICE_CONNECT_OFFSET_FLUSH_MS: '2000',
    }
    this.up()
  }

  up(): void {
    execFileSync('bash', [SERVICES, 'up', 'connect'], { env: this.env, stdio: 'inherit' })
  }

  async kill(): Promise<void> {
    const pid = Number((await readFile(join(this.servicesDir, 'run', 'connect.pid'), 'utf8')).trim())
    process.kill(pid, 'SIGKILL')
    await waitFor(async () => {
      try {
        process.kill(pid, 0)
        return false
      } catch {
        return true
      }
    }, 10_000, 'the killed worker to be gone')
  }

  async stop(): Promise<void> {
    execFileSync('bash', [SERVICES, 'down', 'connect'], { env: this.env, stdio: 'inherit' })
    await rm(this.servicesDir, { recursive: true, force: true })
  }
}

/**
 * Generated transactions (30 cards, fraud included) over the five hours or so that began eight
 * hours ago, so that event time and the database's clock agree: a delete's event time is when
 * it happened in the database, and it must not close the windows of the rows.
 */
function recentTransactions(count: number, seed: number, tag: string): Transaction[] {
  const startTime = Math.floor(Date.now() / 1000) - 8 * 3600
  return [...generateTransactions({ count, seed, users: 30, startTime, ratePerSecond: count / 7200 })].map(({ transaction }) => ({ ...transaction, trans_num: `${tag}-${transaction.trans_num}` }))
}

/** The alerts the detector raises on these transactions in this order (its own run, in the test driver, on the JSON topology). */
async function expectedAlerts(transactions: readonly Transaction[]): Promise<Map<string, string>> {
  return withDriver(userAnomaly(), { backend: 'memory' }, async (driver) => {
    const input = driver.createInputTopic('transactions', serdes.string(), serdes.json<Transaction>())
    const output = driver.createOutputTopic('alerts', serdes.string(), fraudAlert)
    for (const tx of transactions) await input.pipeInput(tx.cc_num, tx, tx.unix_time * 1000)
    return new Map(output.readRecordsToList().map((record) => [record.value.trans_num, record.value.level]))
  })
}

async function alertsIn(pool: pg.Pool, table: string): Promise<Map<string, string>> {
  const result = await pool.query<{ trans_num: string; level: string }>(`SELECT trans_num, level FROM "${table}"`)
  return new Map(result.rows.map((row) => [row.trans_num, row.level]))
}

const listTopics = (): Promise<string[]> => withAdmin((admin) => admin.listTopics())

const reference = (transactions: readonly Transaction[]) => referenceCounts(transactions.map((tx) => ({ unixTime: tx.unix_time, category: tx.category })))

/** One pipeline: a table, its connector, both CDC topologies and the sink, all named for this run. */
class CdcPipeline {
  readonly id = unique('cdc')
  readonly table = this.id.replace(/-/g, '_')
  readonly connector: ConnectorDefinition
  readonly topic: string
  readonly counts = `${this.id}-counts`
  readonly alerts = `${this.id}-alerts`
  readonly metricsTable = `${this.table}_metrics`
  readonly alertsTable = `${this.table}_alerts`
  readonly inserted: Transaction[] = []
  private readonly parts: { close(): Promise<void> }[] = []
  private readonly stateDirs: string[] = []
  streams: KafkaStreams[] = []

  /** What the connector fixture reads (the CLI loads it in its own process). */
  readonly connectorEnv = { TEST_CONNECTOR_NAME: this.id, TEST_TOPIC_PREFIX: this.id, TEST_TABLE: this.table }

  constructor(
    readonly pool: pg.Pool,
    readonly connect: ConnectClient,
  ) {
    this.connector = connectorUnderTest(this.connectorEnv)
    this.topic = this.connector.topics[0] as string
  }

  /** `sluice connector <action> <fixture>` against this file's worker. */
  cli(action: string): Promise<CliResult> {
    return runSluice(['connector', action, CONNECTOR_FIXTURE, '--connect-url', this.connect.url, '--pg-url', PG_URL], this.connectorEnv)
  }

  async createTable(): Promise<void> {
    await this.pool.query(transactionsTableSql(this.table))
  }

  async insert(transactions: readonly Transaction[]): Promise<void> {
    await writeToPostgres(
      transactions.map((transaction) => ({ transaction })),
      { connectionString: PG_URL, table: this.table },
    )
    this.inserted.push(...transactions)
  }

  async register(): Promise<void> {
    await this.connect.register(this.connector.name, this.connector.config(databaseAddressOf(PG_URL)))
    await this.connect.waitUntilRunning(this.connector.name, 90_000)
  }

  async startApplications(): Promise<void> {
    const common = { brokers: BROKERS, processingGuarantee: 'exactly_once' as const, log: () => undefined }
    const counts = categoryCounts({ applicationId: `${this.id}-counts-app`, inputTopic: this.topic, outputTopic: this.counts, grace: '1d', cdc: true })
    const anomaly = userAnomaly({ applicationId: `${this.id}-anomaly-app`, inputTopic: this.topic, alertsTopic: this.alerts, cdc: true })
    for (const topology of [counts, anomaly]) {
      const stateDir = join(tmpdir(), `${topology.applicationId}-state`)
      this.stateDirs.push(stateDir)
      const streams = new KafkaStreams(topology, { ...common, stateDir })
      this.streams.push(streams)
      this.parts.push({ close: () => streams.close() })
      await streams.start()
    }
    const sink = new PostgresSink({
      groupId: `${this.id}-sink`,
      brokers: BROKERS,
      connectionString: PG_URL,
      tables: [fraudMetricsTable(this.counts, this.metricsTable), fraudAlertsTable(this.alerts, this.alertsTable)],
      log: () => undefined,
    })
    this.parts.push({ close: () => sink.stop() })
    await sink.start()
  }

  duplicatesDropped(): number {
    return this.streams.reduce((sum, streams) => sum + streams.metrics().duplicatesDropped, 0)
  }

  /** Waits until fraud_metrics holds the counts of the rows inserted, then the alerts table what the detector raises on them. */
  async waitUntilExact(): Promise<void> {
    const want = reference(this.inserted)
    let got = new Map<string, number>()
    await waitFor(
      async () => {
        got = await metricsIn(this.pool, this.metricsTable).catch(() => new Map<string, number>())
        return got.size === want.size && [...want].every(([window, count]) => got.get(window) === count)
      },
      120_000,
      `${this.metricsTable} to hold the counts of the ${this.inserted.length} rows`,
    ).catch((error: unknown) => {
      expect(got).toEqual(want)
      throw error
    })
    const alerts = await expectedAlerts(this.inserted)
    expect(alerts.size).toBeGreaterThan(0)
    let gotAlerts = new Map<string, string>()
    await waitFor(
      async () => {
        gotAlerts = await alertsIn(this.pool, this.alertsTable).catch(() => new Map<string, string>())
        return gotAlerts.size >= alerts.size
      },
      60_000,
      `${this.alertsTable} to hold the detector's ${alerts.size} alerts`,
    ).catch(() => undefined)
    expect(gotAlerts).toEqual(alerts)
  }

  /** The change events on the topic: per transaction id, how many creates and snapshot reads. */
  async changesOnTopic(): Promise<{ creates: Map<string, number>; updates: number; deletes: number }> {
    const messages = await readTopic(this.topic, { readCommitted: true })
    const creates = new Map<string, number>()
    let updates = 0
    let deletes = 0
    for (const message of messages) {
      if (message.value === null) continue
      const change = parseDebeziumChange<Transaction>(message.value)
      if (change.op === 'c' || change.op === 'r') creates.set(change.after?.trans_num ?? '?', (creates.get(change.after?.trans_num ?? '?') ?? 0) + 1)
      else if (change.op === 'u') updates++
      else deletes++
    }
    return { creates, updates, deletes }
  }

  async close(): Promise<void> {
    for (const part of this.parts.reverse()) await part.close().catch(() => undefined)
    await this.connect.remove(this.connector.name).catch(() => undefined)
    // The connector leaves its replication slot, which would hold WAL forever.
    const slot = this.id.replace(/[^a-z0-9_]/g, '_')
    for (let attempt = 0; attempt < 20; attempt++) {
      const active = await this.pool.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot])
      if (active.rows.length === 0) break
      if (!active.rows[0]?.active) {
        await this.pool.query('SELECT pg_drop_replication_slot($1)', [slot])
        break
      }
      await sleep(500)
    }
    await this.pool.query(`DROP PUBLICATION IF EXISTS "${slot}"`).catch(() => undefined)
    for (const table of [this.table, this.metricsTable, this.alertsTable]) await this.pool.query(`DROP TABLE IF EXISTS "${table}"`).catch(() => undefined)
    for (const dir of this.stateDirs) await rm(dir, { recursive: true, force: true })
  }
}

describe('PostgreSQL -> Debezium -> Sluice (exactly once) -> PostgreSQL', () => {
  const worker = new ConnectWorker()
  let pool: pg.Pool
  let connect: ConnectClient

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: PG_URL, max: 4 })
    await worker.start()
    connect = new ConnectClient(worker.url)
  }, 240_000)

  afterAll(async () => {
    await worker.stop()
    await pool.end()
  })

  test('a snapshot is counted once; inserts after it are counted; updates and deletes change no count; the tables equal the rows', async () => {
    const pipeline = new CdcPipeline(pool, connect)
    try {
      await pipeline.createTable()
      const all = recentTransactions(900, 11, pipeline.id)
      await pipeline.insert(all.slice(0, 400)) // there before the connector: its initial snapshot
      // Registered, shown and (at the end) removed through the CLI, as a user would.
      const registered = await pipeline.cli('register')
      expect(registered.stderr).toContain(`connector ${pipeline.id}: RUNNING`)
      expect(registered.code).toBe(0)
      const status = await pipeline.cli('status')
      expect(status.code).toBe(0)
      expect(status.stdout).toMatch(/connector\s+RUNNING/)
      expect(status.stdout).toMatch(/task 0\s+RUNNING/)
      // register created the topic before the connector started (the worker would only with its first record).
      expect(registered.stderr).toContain(`created ${pipeline.topic} (1 partition(s))`)
      expect(await listTopics()).toContain(pipeline.topic)
      await pipeline.startApplications()
      for (let start = 400; start < all.length; start += 100) await pipeline.insert(all.slice(start, start + 100))
      await pipeline.waitUntilExact()

      // Corrections of rows are no new transactions: counts and alerts stay as they are.
      const touched = pipeline.inserted.slice(0, 30).map((tx) => tx.trans_num)
      await pool.query(`UPDATE "${pipeline.table}" SET amt = amt + 1 WHERE trans_num = ANY($1)`, [touched.slice(0, 15)])
      await pool.query(`DELETE FROM "${pipeline.table}" WHERE trans_num = ANY($1)`, [touched.slice(15)])
      let changes = await pipeline.changesOnTopic()
      await waitFor(async () => ((changes = await pipeline.changesOnTopic()), changes.updates === 15 && changes.deletes === 15), 60_000, 'the updates and deletes on the topic')
      // Every row came once (snapshot reads and creates), none twice: nothing was resent here.
      expect(changes.creates.size).toBe(all.length)
      expect([...changes.creates.values()].every((count) => count === 1)).toBe(true)
      await sleep(3_000)
      await pipeline.waitUntilExact()
      expect(pipeline.duplicatesDropped()).toBe(0)
      const removed = await pipeline.cli('remove')
      expect(removed.stderr).toContain(`connector ${pipeline.id}: removed`)
      const gone = await pipeline.cli('status')
      expect(gone.code).toBe(1)
      expect(gone.stderr).toContain('not registered')
    } finally {
      await pipeline.close()
    }
  })

  test('the connector restarted through the REST API and the worker killed -9 mid-stream: changes are resent, the tables are still exact', async () => {
    const pipeline = new CdcPipeline(pool, connect)
    try {
      await pipeline.createTable()
      const all = recentTransactions(1500, 23, pipeline.id)
      // Nothing to snapshot: the worker would create the topic with the first change, after the applications have started.
      await createTopic(pipeline.topic, 1)
      await pipeline.register()
      await pipeline.startApplications()
      let next = 0
      const insertSome = async (count: number): Promise<void> => {
        for (const end = next + count; next < end; next += 25) {
          await pipeline.insert(all.slice(next, next + 25))
          await sleep(100)
        }
      }
      await insertSome(500)
      await connect.restart(pipeline.connector.name)
      await insertSome(250) // while the connector restarts
      await connect.waitUntilRunning(pipeline.connector.name, 90_000)
      await insertSome(250)
      // After the restart alone (a graceful one: the connector flushed its offsets), exact already.
      await pipeline.waitUntilExact()
      const afterRestart = await pipeline.changesOnTopic()
      const resentByRestart = [...afterRestart.creates.values()].reduce((sum, count) => sum + count - 1, 0)
      await sleep(2_500) // past an offset flush, then more changes the worker will not flush
      await insertSome(250)
      await worker.kill()
      await insertSome(125) // while the worker is down: the replication slot keeps them
      worker.up()
      await connect.waitUntilRunning(pipeline.connector.name, 120_000)
      await insertSome(all.length - next)
      expect(pipeline.inserted.length).toBe(all.length)

      let changes = await pipeline.changesOnTopic()
      await waitFor(async () => ((changes = await pipeline.changesOnTopic()), changes.creates.size === all.length), 120_000, 'every row on the topic')
      const resent = [...changes.creates.values()].reduce((sum, count) => sum + count - 1, 0)
      // The kill lost the worker's unflushed offsets: the connector sent those changes again.
      expect(resent).toBeGreaterThan(resentByRestart)
      await pipeline.waitUntilExact()
      // Each topology dropped every resent change once (the counts and the detector each read the topic).
      expect(pipeline.duplicatesDropped()).toBe(2 * resent)
      process.stdout.write(`[debezium-cdc] changes resent: ${resentByRestart} after the REST restart, ${resent - resentByRestart} after the kill -9; all dropped as duplicates\n`)
    } finally {
      await pipeline.close()
    }
  })
})
