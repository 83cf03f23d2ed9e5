import { serdes, type Serde } from 'sluice'
import type { Transaction } from './transaction.js'
import { isValidTransaction } from './transaction-check.js'

// The Transaction interface lives beside the topologies (topologies/transaction.ts).
export type { Transaction }
export { transactionProblems, transactionTime } from './transaction-check.js'

/**
 * Transactions as JSON. A record that lacks a field the topologies read, or holds one they
 * cannot use (a non-finite amount, a coordinate out of range, an empty id), fails to
 * deserialize with the field and the reason (see transaction-check.ts). A null value (a
 * tombstone) reads as null.
 */
export const transaction: Serde<Transaction> = serdes.json<Transaction>(isValidTransaction)
