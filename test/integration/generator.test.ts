import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll, expect, test } from 'vitest'
import { generateTransactions, writeToKafka, writeToPostgres, type WriteProgress } from '../../demo/generator/index.js'
import type { Transaction } from '../../topologies/transaction.js'
import { BROKERS, readTopic, unique, withAdmin } from './kafka-helpers.js'

const PG_URL = process.env.SLUICE_PG_URL ?? 'postgres://sluice:sluice@127.0.0.1:5432/sluice'
const BIN = fileURLToPath(new URL('../../bin/sluice.js', import.meta.url))
const pool = new pg.Pool({ connectionString: PG_URL, max: 2 })
pool.on('error', () => undefined)
const dir = await mkdtemp(join(tmpdir(), 'sluice-generate-'))
const tables: string[] = []
afterAll(async () => {
  for (const table of tables) await pool.query(`DROP TABLE IF EXISTS "${table}"`)
  await pool.end()
  await rm(dir, { recursive: true, force: true })
})

test('writeToKafka creates the topic with 6 partitions, keys by cc_num, throttles to the rate', async () => {
  const topic = unique('generated')
  const records = [...generateTransactions({ count: 3000, seed: 21 })]
  const progress: WriteProgress[] = []
  const started = Date.now()
  const written = await writeToKafka(records, { brokers: BROKERS, topic, rate: 6000, total: 3000, onProgress: (p) => progress.push(p), progressIntervalMs: 100 })
  const elapsed = Date.now() - started
  expect(written).toBe(3000)
  expect(elapsed).toBeGreaterThanOrEqual(450)
  expect(progress.at(-1)).toMatchObject({ written: 3000, total: 3000, done: true })
  expect(progress.length).toBeGreaterThan(1)

  const metadata = await withAdmin((admin) => admin.fetchTopicMetadata({ topics: [topic] }))
  expect(metadata.topics[0].partitions).toHaveLength(6)
  const messages = await readTopic(topic)
  expect(messages).toHaveLength(3000)
  const byTransNum = new Map(records.map((record) => [record.transaction.trans_num, record.transaction]))
  for (const message of messages) {
    const tx = JSON.parse(String(message.value)) as Transaction
    expect(tx).toEqual(byTransNum.get(tx.trans_num))
    expect(String(message.key)).toBe(tx.cc_num)
    expect(message.timestamp).toBe(String(tx.unix_time * 1000))
  }
})

test('writeToPostgres creates the table, inserts in batches, and a re-run adds nothing', async () => {
  const table = unique('generated').replace(/-/g, '_')
  tables.push(table)
  const records = [...generateTransactions({ count: 2500, seed: 22 })]
  expect(await writeToPostgres(records, { connectionString: PG_URL, table, batchSize: 700 })).toBe(2500)
  expect(await writeToPostgres(records, { connectionString: PG_URL, table })).toBe(2500)
  const count = await pool.query<{ count: string }>(`SELECT count(*) FROM "${table}"`)
  expect(Number(count.rows[0].count)).toBe(2500)
  const first = records[0].transaction
  const result = await pool.query(`SELECT *, amt::float8 AS amt, unix_time::float8 AS unix_time FROM "${table}" WHERE trans_num = $1`, [first.trans_num])
  expect(result.rows[0]).toEqual(first)
  const fraud = await pool.query<{ count: string }>(`SELECT count(*) FROM "${table}" WHERE is_fraud = 1`)
  expect(Number(fraud.rows[0].count)).toBe(records.filter((record) => record.fraudKind).length)
})

test('sluice generate --to jsonl writes the same transactions as the library, with progress on stderr', async () => {
  const file = join(dir, 'cli.jsonl')
  const { stderr } = await promisify(execFile)('node', [BIN, 'generate', '--to', 'jsonl', '--file', file, '--count', '1500', '--seed', '9', '--users', '20', '--fraud-rate', '0.02'])
  expect(stderr).toMatch(/generate: 1500 \/ 1500 records \(100%\)/)
  const lines = (await readFile(file, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as Transaction)
  expect(lines).toEqual([...generateTransactions({ count: 1500, seed: 9, users: 20, fraudRate: 0.02 })].map((record) => record.transaction))
})
