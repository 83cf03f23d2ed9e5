import { SinkConfigError } from '../../errors.js'

/**
 * The column types a sink table may declare. A type is spliced into CREATE TABLE as SQL (it
 * cannot be a parameter), so it must match this grammar: a PostgreSQL type name, optional
 * array brackets, optionally NOT NULL / NULL. Nothing else (no DEFAULT, CHECK or other
 * expressions) gets through, so no config can run SQL of its own.
 */
const N = '\\d{1,7}'
const BASE_TYPES = [
  'text',
  'uuid',
  'jsonb',
  'json',
  'bytea',
  'date',
  'interval',
  'boolean',
  'bool',
  'smallint',
  'integer',
  'int',
  'bigint',
  'int2',
  'int4',
  'int8',
  'real',
  'float4',
  'float8',
  'double precision',
  `(varchar|character varying|char|character)(\\(${N}\\))?`,
  `(numeric|decimal)(\\(${N}(,${N})?\\))?`,
  `(timestamptz|timetz)(\\(${N}\\))?`,
  `(timestamp|time)(\\(${N}\\))?( (with|without) time zone)?`,
]
const COLUMN_TYPE = new RegExp(`^(${BASE_TYPES.join('|')})(\\[(${N})?\\])*( not null| null)?$`)

/** What the error message offers instead. */
export const ACCEPTED_COLUMN_TYPES =
  'text, varchar(n), char(n), smallint, integer, bigint, numeric(p,s), real, double precision, boolean, date, timestamp, timestamptz, time, interval, json, jsonb, uuid, bytea; arrays with []; optionally NOT NULL'

/** Lower case, single spaces, no spaces around brackets and commas: "VARCHAR ( 10 )" -> "varchar(10)". */
function normalize(type: string): string {
  return type
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/ ?\( ?/g, '(')
    .replace(/ ?, ?/g, ',')
    .replace(/ \)/g, ')')
    .replace(/ ?\[ ?/g, '[')
    .replace(/ \]/g, ']')
}

/** The type as it goes into CREATE TABLE, or a SinkConfigError naming the table and column. */
export function checkedColumnType(table: string, column: string, type: unknown): string {
  const normalized = typeof type === 'string' ? normalize(type) : ''
  if (!COLUMN_TYPE.test(normalized)) {
    throw new SinkConfigError(`Sink table ${table}, column ${column}: type ${JSON.stringify(type)} is not accepted. Accepted: ${ACCEPTED_COLUMN_TYPES}`)
  }
  return normalized
}
