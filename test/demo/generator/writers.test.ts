import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { formatProgress, generateTransactions, transactionsTableSql, writeToJsonl, type WriteProgress } from '../../../demo/generator/index.js'
import { TRANSACTION_FIELDS } from '../../../topologies/transaction.js'

const dir = await mkdtemp(join(tmpdir(), 'sluice-generator-'))
afterAll(() => rm(dir, { recursive: true, force: true }))

test('JSONL round trip: one transaction per line, in the simulation data’s column order', async () => {
  const records = [...generateTransactions({ count: 3000, seed: 11 })]
  const file = join(dir, 'transactions.jsonl')
  const progress: WriteProgress[] = []
  const written = await writeToJsonl(records, file, { total: 3000, onProgress: (p) => progress.push(p) })
  expect(written).toBe(3000)
  const lines = (await readFile(file, 'utf8')).trimEnd().split('\n')
  expect(lines).toHaveLength(3000)
  expect(lines.map((line) => JSON.parse(line))).toEqual(records.map((record) => record.transaction))
  expect(Object.keys(JSON.parse(lines[0]))).toEqual([...TRANSACTION_FIELDS])
  expect(progress.at(-1)).toMatchObject({ written: 3000, total: 3000, done: true })
})

test('JSONL with labels carries the fraud kind', async () => {
  const records = [...generateTransactions({ count: 3000, seed: 11, fraudRate: 0.05 })]
  const file = join(dir, 'labelled.jsonl')
  await writeToJsonl(records, file, { labels: true })
  const rows = (await readFile(file, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as { is_fraud: number; fraud_kind: string | null })
  expect(rows.map((row) => row.fraud_kind)).toEqual(records.map((record) => record.fraudKind ?? null))
  expect(rows.some((row) => row.fraud_kind !== null)).toBe(true)
})

test('progress lines give records and percent', () => {
  expect(formatProgress('generate', { written: 250, total: 1000, elapsedMs: 1000, done: false })).toBe('generate: 250 / 1000 records (25%), 250/s')
})

test('the PostgreSQL table quotes identifiers and keys on trans_num', () => {
  const sql = transactionsTableSql('public.tx "x"')
  expect(sql).toContain('CREATE TABLE IF NOT EXISTS "public"."tx ""x"""')
  expect(sql).toContain('"trans_num" text PRIMARY KEY')
  expect(sql).toContain('"amt" numeric(12,2)')
})
