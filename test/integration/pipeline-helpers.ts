// The category-count pipeline of the crash and fault tests: a topology process, a sink process
// writing fraud_metrics (upserts) and an insert-only table of every count update, and the
// reference counts computed from the generated input.
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { KafkaMessage } from 'sluice-kafkajs'
import type pg from 'pg'
import { serdes } from 'sluice'
import { benchTransactions } from '../../bench/transactions.js'
import { unique } from './kafka-helpers.js'

export const PIPELINE_TOPOLOGY = fileURLToPath(new URL('./fixtures/category-counts-under-test.ts', import.meta.url))
export const PIPELINE_SINK = fileURLToPath(new URL('./fixtures/sink-under-test.ts', import.meta.url))

export type PipelineNames = ReturnType<typeof pipelineNames>

/** Names no earlier run used: topics, groups, tables and a state directory. */
export function pipelineNames(guarantee: string) {
  const applicationId = unique(guarantee === 'exactly_once' ? 'eos' : 'alos')
  const table = applicationId.replace(/-/g, '_')
  return {
    applicationId,
    input: `${applicationId}-transactions`,
    output: `${applicationId}-counts`,
    repartition: `${applicationId}-transactions-by-category-repartition`,
    sinkGroup: `${applicationId}-sink`,
    metrics: `${table}_fraud_metrics`,
    updates: `${table}_count_updates`,
    stateDir: join(tmpdir(), `${applicationId}-state`),
  }
}

/** What the topology and sink processes of one run read from their environment. */
export function pipelineEnv(run: PipelineNames, guarantee: string, pgUrl: string, extra: { [name: string]: string } = {}): { [name: string]: string } {
  return {
    TEST_APPLICATION_ID: run.applicationId,
    TEST_INPUT_TOPIC: run.input,
    TEST_OUTPUT_TOPIC: run.output,
    TEST_GRACE: '30d',
    TEST_SINK_GROUP: run.sinkGroup,
    TEST_METRICS_TABLE: run.metrics,
    TEST_UPDATES_TABLE: run.updates,
    SLUICE_GUARANTEE: guarantee,
    SLUICE_PG_URL: pgUrl,
    // Every count update is a row of the updates table, which the tests count; the update
    // cache (on by default) would merge a window's updates between commits.
    SLUICE_UPDATE_CACHE_MAX_ENTRIES: '0',
    ...extra,
  }
}

export interface PipelineRecord {
  readonly key: string
  readonly value: string
  readonly unixTime: number
  readonly category: string
}

export function pipelineTransactions(count: number, seed: number): PipelineRecord[] {
  return [...benchTransactions(count, seed)].map(({ key, value }) => ({ key, value: JSON.stringify(value), unixTime: value.unix_time, category: value.category }))
}

/** The count per `category@windowStart` (tumbling windows, 60 s unless said) that the topology must reach. */
export function referenceCounts(records: readonly { unixTime: number; category: string }[], windowMs = 60_000): Map<string, number> {
  const counts = new Map<string, number>()
  for (const { unixTime, category } of records) {
    const key = `${category}@${Math.floor((unixTime * 1000) / windowMs) * windowMs}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return counts
}

export async function metricsIn(pool: pg.Pool, table: string): Promise<Map<string, number>> {
  const result = await pool.query<{ category: string; start: string; count: string }>(`SELECT category, (extract(epoch from window_start) * 1000)::bigint AS start, count FROM "${table}"`)
  return new Map(result.rows.map((row) => [`${row.category}@${row.start}`, Number(row.count)]))
}

export async function updatesIn(pool: pg.Pool, table: string): Promise<{ rows: number; distinct: number }> {
  const result = await pool.query<{ rows: string; distinct: string }>(`SELECT count(*) AS rows, count(DISTINCT (window_start, category, count)) AS distinct FROM "${table}"`)
  return { rows: Number(result.rows[0].rows), distinct: Number(result.rows[0].distinct) }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** The last count per `category@windowStart` in the output topic's messages (earlier updates may repeat). */
export function lastCountPerWindow(messages: readonly KafkaMessage[], topic: string): Map<string, number> {
  const key = serdes.windowed(serdes.string())
  const long = serdes.long()
  const counts = new Map<string, number>()
  for (const message of messages) {
    const window = key.deserialize(topic, message.key)
    counts.set(`${window.key}@${window.window.start}`, long.deserialize(topic, message.value))
  }
  return counts
}
