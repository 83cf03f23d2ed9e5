import { describe, expect, test } from 'vitest'
import { serdes } from 'sluice'
import type { SinkTable } from 'sluice/postgres'
import { insertStatements } from '../../../src/sinks/postgres/sql.js'

function table(columns: { [column: string]: string }, primaryKey: string[], mode: 'insert' | 'upsert' = 'upsert'): SinkTable<unknown, unknown> {
  return { topic: 'in', table: 'seen', key: serdes.string(), value: serdes.string(), mode, columns, primaryKey, row: () => null } as SinkTable<unknown, unknown>
}

describe('upsert statements', () => {
  test('a table whose columns are all key columns upserts with DO NOTHING (no empty SET)', () => {
    const [statement] = insertStatements(table({ user_id: 'bigint', merchant: 'text' }, ['user_id', 'merchant']), [{ user_id: 1, merchant: 'a' }])
    expect(statement.text).toBe('INSERT INTO "seen" ("user_id", "merchant") VALUES ($1, $2) ON CONFLICT ("user_id", "merchant") DO NOTHING')
  })

  test('other upserts update the non-key columns', () => {
    const [statement] = insertStatements(table({ id: 'bigint', name: 'text' }, ['id']), [{ id: 1, name: 'a' }])
    expect(statement.text).toMatch(/ON CONFLICT \("id"\) DO UPDATE SET "name" = EXCLUDED."name"$/)
  })

  test('bigint keys beyond 2^53, as bigint or as string, keep the last row per key', () => {
    const big = 2n ** 53n + 1n
    const rows = [
      { id: big, name: 'first' },
      { id: String(big), name: 'second' },
      { id: big + 1n, name: 'other' },
      { id: 7, name: 'seven' },
      { id: 7n, name: 'seven again' },
    ]
    const [statement] = insertStatements(table({ id: 'bigint', name: 'text' }, ['id']), rows)
    expect(statement.values).toEqual([String(big), 'second', big + 1n, 'other', 7n, 'seven again'])
  })
})
