// The sink moves a partition's stored position only from the value it read: a second sink of
// the group that wrote the partition meanwhile (a rebalance handing it over mid-batch) makes
// the whole batch roll back, rows included, instead of writing them twice.
import { afterAll, expect, test } from 'vitest'
import { PgDatabase } from '../../src/sinks/postgres/pg-database.js'
import { createOffsetsTableSql } from '../../src/sinks/postgres/sql.js'
import { advanceStoredPosition, PositionMovedError } from '../../src/sinks/postgres/stored-position.js'
import { unique } from './kafka-helpers.js'

const database = new PgDatabase(process.env.SLUICE_PG_URL ?? 'postgres://sluice:sluice@127.0.0.1:5432/sluice')
afterAll(() => database.close())

test('a stale expected position rolls the batch back; the right one moves it', async () => {
  const offsets = unique('positions').replace(/-/g, '_')
  const rows = unique('rows').replace(/-/g, '_')
  await database.query(createOffsetsTableSql(offsets))
  await database.query(`CREATE TABLE "${rows}" (n integer)`)
  const batch = (n: number, next: string, expected: bigint | undefined) =>
    database.inTransaction(async (tx) => {
      await tx.query(`INSERT INTO "${rows}" VALUES ($1)`, [n])
      await advanceStoredPosition(tx, offsets, 'group', { topic: 't', partition: 0, next }, expected)
    })
  const stored = async (): Promise<string[]> => (await database.query<{ next_offset: string }>(`SELECT next_offset FROM "${offsets}"`)).map((row) => String(row.next_offset))
  const written = async (): Promise<number[]> => (await database.query<{ n: number }>(`SELECT n FROM "${rows}" ORDER BY n`)).map((row) => row.n)
  try {
    await batch(1, '10', undefined)
    expect(await stored()).toEqual(['10'])
    // A sink that read no position while another wrote one: refused, its row rolled back.
    await expect(batch(2, '20', undefined)).rejects.toBeInstanceOf(PositionMovedError)
    // A sink that read a position older than the stored one: refused too.
    await expect(batch(3, '30', 5n)).rejects.toBeInstanceOf(PositionMovedError)
    expect(await written()).toEqual([1])
    await batch(4, '40', 10n)
    expect(await stored()).toEqual(['40'])
    expect(await written()).toEqual([1, 4])
  } finally {
    await database.query(`DROP TABLE IF EXISTS "${offsets}", "${rows}"`)
  }
})
