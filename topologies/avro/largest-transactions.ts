import { defineTopology, serdes } from 'sluice'
import type { Transaction } from '../transaction.js'
import { transactionTime } from '../transaction-check.js'
import { avroTransaction, type TransactionSchemaFile } from './schemas.js'

export interface LargestTransactionsOptions {
  applicationId?: string
  inputTopic?: string
  /** Where each card's new largest transaction goes. */
  outputTopic?: string
  countsTopic?: string
  /** The transaction schema this version of the application reads and writes (default v2). */
  schema?: TransactionSchemaFile
  registryUrl?: string
}

/**
 * Avro transactions, keyed by card: the largest transaction per card (an Avro store, its
 * changelog and an output topic), and through an Avro repartition topic by category, the
 * transactions per category and the largest one per category (a store to query). Every Avro
 * subject here follows the transaction schema, so an upgrade of it must read old topics,
 * repartition topics, changelogs and stored values.
 */
export function largestTransactions(options: LargestTransactionsOptions = {}) {
  const transaction = avroTransaction<Transaction>(options.schema ?? 'transaction-v2.avsc', options.registryUrl)
  return defineTopology({ applicationId: options.applicationId ?? 'largest-transactions' }, (b) => {
    const transactions = b.stream(options.inputTopic ?? 'transactions-avro', { key: serdes.string(), value: transaction, timestamp: transactionTime })
    transactions
      .groupByKey()
      .reduce((largest, tx) => (tx.amt > largest.amt ? tx : largest), { store: 'largest-transaction-per-card' })
      .toStream()
      .to(options.outputTopic ?? 'largest-transactions', { key: serdes.string(), value: transaction })
    const byCategory = transactions.groupBy((_card, tx) => tx.category, { key: serdes.string(), repartition: 'transactions-by-category' })
    byCategory
      .count({ store: 'transactions-per-category' })
      .toStream()
      .to(options.countsTopic ?? 'transactions-per-category', { key: serdes.string(), value: serdes.long() })
    byCategory.reduce((largest, tx) => (tx.amt > largest.amt ? tx : largest), { store: 'largest-transaction-per-category' })
  })
}

export default largestTransactions()
