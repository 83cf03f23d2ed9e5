import pg from 'pg'
import { quoteIdentifier, quoteTable } from 'sluice/postgres'
import type { GeneratedTransaction } from './generate-transactions.js'
import { ProgressTicker, type WriteOptions } from './progress.js'
import { TRANSACTION_FIELDS, type Transaction } from '../../topologies/transaction.js'

export interface PostgresWriteOptions extends WriteOptions {
  connectionString: string
  /** Table name, optionally schema-qualified (default 'transactions'). */
  table?: string
  /** Rows per INSERT statement (default 1000). */
  batchSize?: number
}

/**
 * Column types. Dates stay text in the simulation data's format, so that a row read back (or
 * captured by Debezium) has exactly the Transaction shape; amt is numeric(12,2), which a
 * Debezium connector with decimal.handling.mode=double turns back into a plain number.
 */
const COLUMN_TYPES: Record<keyof Transaction, string> = {
  trans_date_trans_time: 'text NOT NULL',
  cc_num: 'text NOT NULL',
  merchant: 'text NOT NULL',
  category: 'text NOT NULL',
  amt: 'numeric(12,2) NOT NULL',
  first: 'text',
  last: 'text',
  gender: 'text',
  street: 'text',
  city: 'text',
  state: 'text',
  zip: 'text',
  lat: 'double precision',
  long: 'double precision',
  city_pop: 'integer',
  job: 'text',
  dob: 'text',
  trans_num: 'text PRIMARY KEY',
  unix_time: 'bigint NOT NULL',
  merch_lat: 'double precision',
  merch_long: 'double precision',
  is_fraud: 'smallint NOT NULL',
}

/** The CREATE TABLE IF NOT EXISTS statement for a transactions table. */
export function transactionsTableSql(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${quoteTable(table)} (${TRANSACTION_FIELDS.map((field) => `${quoteIdentifier(field)} ${COLUMN_TYPES[field]}`).join(', ')})`
}

/**
 * Inserts transactions into a PostgreSQL table, creating it when missing, in multi-row
 * parameterized INSERTs (each batch one statement, so all or nothing). Rows whose trans_num is already
 * there are skipped (ON CONFLICT DO NOTHING), so re-running a seed adds nothing. Resolves
 * with the number of records written (skipped duplicates included).
 */
export async function writeToPostgres(records: Iterable<GeneratedTransaction> | AsyncIterable<GeneratedTransaction>, options: PostgresWriteOptions): Promise<number> {
  const table = options.table ?? 'transactions'
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 1000, Math.floor(65_000 / TRANSACTION_FIELDS.length)))
  const client = new pg.Client({ connectionString: options.connectionString })
  await client.connect()
  const ticker = new ProgressTicker(options)
  const prefix = `INSERT INTO ${quoteTable(table)} (${TRANSACTION_FIELDS.map(quoteIdentifier).join(', ')}) VALUES `
  let written = 0
  let batch: Transaction[] = []
  const insert = async (): Promise<void> => {
    if (batch.length === 0) return
    const values: unknown[] = []
    const tuples = batch.map((row) => `(${TRANSACTION_FIELDS.map((field) => (values.push(row[field]), `$${values.length}`)).join(', ')})`)
    // One statement per batch: atomic on its own.
    await client.query(`${prefix}${tuples.join(', ')} ON CONFLICT (${quoteIdentifier('trans_num')}) DO NOTHING`, values)
    written += batch.length
    batch = []
    ticker.tick(written)
  }
  try {
    await client.query(transactionsTableSql(table))
    for await (const { transaction } of records) {
      batch.push(transaction)
      if (batch.length >= batchSize) await insert()
    }
    await insert()
  } finally {
    await client.end()
  }
  ticker.done(written)
  return written
}
