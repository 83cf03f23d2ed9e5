import { describe, expect, test } from 'vitest'
import { serdes } from 'sluice'
import { TableWriter, type SinkTable } from 'sluice/postgres'
import { checkedColumnType } from '../../../src/sinks/postgres/column-type.js'
import { createTableSql } from '../../../src/sinks/postgres/sql.js'

const accepted: [string, string][] = [
  ['text', 'text'],
  ['TEXT NOT NULL', 'text not null'],
  ['varchar(20)', 'varchar(20)'],
  ['character varying ( 20 )', 'character varying(20)'],
  ['char(3)', 'char(3)'],
  ['integer', 'integer'],
  ['int', 'int'],
  ['bigint  not   null', 'bigint not null'],
  ['smallint', 'smallint'],
  ['numeric(12, 2)', 'numeric(12,2)'],
  ['numeric', 'numeric'],
  ['double precision', 'double precision'],
  ['real', 'real'],
  ['boolean', 'boolean'],
  ['timestamptz NOT NULL', 'timestamptz not null'],
  ['timestamp', 'timestamp'],
  ['timestamp with time zone', 'timestamp with time zone'],
  ['timestamp(3) without time zone', 'timestamp(3) without time zone'],
  ['date', 'date'],
  ['jsonb NOT NULL', 'jsonb not null'],
  ['json', 'json'],
  ['uuid', 'uuid'],
  ['bytea', 'bytea'],
  ['text[]', 'text[]'],
  ['integer[][]', 'integer[][]'],
  ['bigint [] NOT NULL', 'bigint[] not null'],
]

const refused = [
  'text); DROP TABLE victim; --',
  'text, evil text',
  'text DEFAULT now()',
  'integer CHECK (1 = 1)',
  'text NOT NULL PRIMARY KEY',
  'varchar(10',
  'varchar(x)',
  'numeric(1,2,3)',
  'serial',
  'text; SELECT 1',
  'text -- comment',
  'text /* */',
  '"text"',
  'text COLLATE "C"',
  'int[; DROP TABLE victim]',
  'timestamp with time zone not null not null',
  '',
  '   ',
]

describe('column types: a grammar, not SQL', () => {
  test.each(accepted)('accepts %j as %j', (type, normalized) => {
    expect(checkedColumnType('t', 'c', type)).toBe(normalized)
  })

  test.each(refused)('refuses %j, naming the table and column', (type) => {
    expect(() => checkedColumnType('payments', 'amount', type)).toThrow(/Sink table payments, column amount: type .* is not accepted/)
  })

  test('a value that is not a string is refused', () => {
    expect(() => checkedColumnType('payments', 'amount', 42)).toThrow(/column amount: type 42 is not accepted/)
  })

  const table = (columns: { [column: string]: string }): SinkTable<string, string> => ({
    topic: 'in',
    table: 'payments',
    key: serdes.string(),
    value: serdes.string(),
    mode: 'insert',
    columns,
    row: (key) => ({ id: key }),
  })

  test('a table writer (and so a sink) refuses a bad type when it is built, before any SQL', () => {
    expect(() => new TableWriter([table({ id: 'text', amount: 'text); DROP TABLE victim; --' })])).toThrow(/Sink table payments, column amount/)
  })

  test('CREATE TABLE is built from the checked types only', () => {
    expect(createTableSql(table({ id: 'TEXT  NOT NULL', tags: 'text []' }) as SinkTable<unknown, unknown>)).toBe('CREATE TABLE IF NOT EXISTS "payments" ("id" text not null, "tags" text[])')
    expect(() => createTableSql(table({ id: 'text); DROP TABLE victim; --' }) as SinkTable<unknown, unknown>)).toThrow(/column id/)
  })
})
