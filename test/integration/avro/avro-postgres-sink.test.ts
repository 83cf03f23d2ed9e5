import pg from 'pg'
import { afterAll, expect, test } from 'vitest'
import { PostgresSink } from 'sluice/postgres'
import { serdes } from 'sluice'
import type { Transaction } from '../../../topologies/transaction.js'
import { RegistryClient } from '../../../src/serde/avro/registry-client.js'
import { avroTransaction, type TransactionV2 } from '../../../topologies/avro/schemas.js'
import { BROKERS, createTopic, produce, waitFor } from '../kafka-helpers.js'
import { runName, tx } from './helpers.js'

const PG_URL = process.env.SLUICE_PG_URL ?? 'postgres://sluice:sluice@127.0.0.1:5432/sluice'
const pool = new pg.Pool({ connectionString: PG_URL, max: 1 })
const name = runName('avro-sink')
const table = name.replace(/-/g, '_')

afterAll(async () => {
  await pool.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined)
  await pool.end()
})

test('the PostgreSQL sink reads Avro records written with v1 through a v2 reader schema', async () => {
  await createTopic(name, 1)
  const v1 = avroTransaction('transaction-v1.avsc')
  await v1.prepare?.(name, [])
  await produce(name, [tx({ trans_num: 't1', amt: 3.5 }), tx({ trans_num: 't2', amt: 4.5 })].map((record: Transaction) => ({ key: record.trans_num, value: v1.serialize(name, record) })))
  // The sink runs as a new process would: it knows no schema until it prepares a batch.
  RegistryClient.forgetSchemas()
  const sink = new PostgresSink({
    groupId: name,
    brokers: BROKERS,
    connectionString: PG_URL,
    log: () => {},
    tables: [
      {
        topic: name,
        table,
        key: serdes.string(),
        value: avroTransaction<TransactionV2>('transaction-v2.avsc'),
        mode: 'upsert',
        columns: { trans_num: 'text', amt: 'double precision', merchant_country: 'text' },
        primaryKey: ['trans_num'],
        row: (_key: string, value: TransactionV2) => ({ trans_num: value.trans_num, amt: value.amt, merchant_country: value.merchant_country }),
      },
    ],
  })
  await sink.start()
  try {
    // A sink that stops on an error (a record it cannot read) fails the test at once, with that error.
    const stoppedEarly = sink.whenStopped().then(() => Promise.reject(sink.error ?? new Error('the sink stopped')))
    await Promise.race([waitFor(async () => (await pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n === 2, 60_000, 'two rows in PostgreSQL'), stoppedEarly])
  } finally {
    await sink.stop()
  }
  expect(sink.error).toBeUndefined()
  const rows = await pool.query(`SELECT trans_num, amt, merchant_country FROM ${table} ORDER BY trans_num`)
  expect(rows.rows).toEqual([
    { trans_num: 't1', amt: 3.5, merchant_country: 'US' },
    { trans_num: 't2', amt: 4.5, merchant_country: 'US' },
  ])
})
