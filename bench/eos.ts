import '../src/runtime/kafka/kafkajs/kafkajs-corrections.js' // corrects kafkajs before it loads
import { execFileSync } from 'node:child_process'
import { Partitioners } from 'sluice-kafkajs'
import { retryRetriable } from '../src/runtime/kafka/retry-retriable.js'
import pg from 'pg'
import { serdes } from 'sluice'
import { PostgresSink } from 'sluice/postgres'
import { categoryCounts } from '../topologies/category-counts.js'
import { reachable } from '../test/global-setup.js'
import { BROKERS, ensureKafka, kafka, prepareInput, RECORDS, runId, sluice } from './kafka.js'

const PG_URL = process.env.SLUICE_PG_URL ?? 'postgres://sluice:sluice@127.0.0.1:5432/sluice'
const SINK_ROWS = Number(process.env.BENCH_SINK_ROWS ?? 200_000)

/** Rows per second the sink writes (insert-only, one transaction per fetched batch). */
async function sinkRate(): Promise<number> {
  const topic = `${runId}-updates`
  const admin = kafka.admin()
  await admin.connect()
  await retryRetriable(`creating ${topic}`, () => admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true }), () => undefined)
  await admin.disconnect()
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  const key = serdes.windowed(serdes.string())
  const long = serdes.long()
  for (let start = 0; start < SINK_ROWS; start += 5000) {
    const messages = []
    for (let i = start; i < Math.min(SINK_ROWS, start + 5000); i++) {
      const window = { start: Math.floor(i / 1000) * 60_000, end: Math.floor(i / 1000) * 60_000 + 60_000 }
      messages.push({ key: key.serialize(topic, { key: `category-${i % 14}`, window }), value: long.serialize(topic, i) })
    }
    await producer.send({ topic, messages })
  }
  await producer.disconnect()
  const table = `${runId.replace(/-/g, '_')}_updates`
  const sink = new PostgresSink({
    groupId: `${runId}-sink`,
    brokers: BROKERS,
    connectionString: PG_URL,
    log: () => {},
    tables: [
      {
        topic,
        table,
        key,
        value: long,
        mode: 'insert',
        columns: { window_start: 'timestamptz', category: 'text', count: 'bigint' },
        row: (k, count) => ({ window_start: new Date(k.window.start), category: k.key, count }),
      },
    ],
  })
  const started = process.hrtime.bigint()
  await sink.start()
  while (sink.rowsWritten < SINK_ROWS) await new Promise((resolve) => setTimeout(resolve, 50))
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  await sink.stop()
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  await client.query(`DROP TABLE "${table}"`)
  await client.end()
  return SINK_ROWS / seconds
}

/** Uses a PostgreSQL that already listens at SLUICE_PG_URL (any checkout's, or docker compose); else starts the project's own. */
async function ensurePostgres(): Promise<void> {
  const url = new URL(PG_URL)
  if (await reachable(Number(url.port || 5432), url.hostname)) return
  execFileSync('bash', ['scripts/services.sh', 'up', 'postgres'], { stdio: 'ignore' })
}

export async function run(): Promise<void> {
  // As the test suite does: services already listening are used as they are (issue 13, item 5).
  await ensureKafka()
  await ensurePostgres()
  const input = `${runId}-transactions`
  await prepareInput(input)
  console.log(`${RECORDS} records on a 6-partition topic; category count at-least-once vs exactly-once, then the PostgreSQL sink`)
  const counts = (guarantee: 'at_least_once' | 'exactly_once') => {
    const app = `${runId}-${guarantee === 'exactly_once' ? 'eos' : 'alos'}`
    return sluice(categoryCounts({ applicationId: app, inputTopic: input, outputTopic: `${app}-out`, grace: '30d' }), [input, `${app}-transactions-by-category-repartition`], { processingGuarantee: guarantee })
  }
  const atLeastOnce = await counts('at_least_once')
  const exactlyOnce = await counts('exactly_once')
  const sink = await sinkRate()
  console.log(`  category count at-least-once   ${Math.round(atLeastOnce)} records/s`)
  console.log(`  category count exactly-once    ${Math.round(exactlyOnce)} records/s   ratio ${(exactlyOnce / atLeastOnce).toFixed(2)} (target >= 0.80)`)
  console.log(`  PostgreSQL sink (insert-only)  ${Math.round(sink)} rows/s (target >= 20000)`)
}
