import { serdes, type Serde, type Transaction } from 'sluice'

// The Transaction interface lives with the generator (src/generator/transaction.ts).
export type { Transaction }

function isTransaction(value: unknown): value is Transaction {
  if (typeof value !== 'object' || value === null) return false
  const tx = value as Partial<Transaction>
  return typeof tx.category === 'string' && typeof tx.unix_time === 'number' && typeof tx.amt === 'number'
}

/** Transactions as JSON; a record without category, unix_time or amt fails to deserialize. */
export const transaction: Serde<Transaction> = serdes.json<Transaction>(isTransaction)
