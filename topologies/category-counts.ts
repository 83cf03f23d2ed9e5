import { defineTopology, serdes, TimeWindows, type Duration } from 'sluice'
import { cdcTransactions, type CdcTransactionsOptions } from './cdc-transactions.js'
import { transaction, transactionTime } from './schemas.js'

export interface CategoryCountsOptions {
  applicationId?: string
  inputTopic?: string
  outputTopic?: string
  windowSize?: Duration
  grace?: Duration
  /** Read the Debezium topic of the `transactions` table instead of the JSON topic (see cdc-transactions.ts). */
  cdc?: boolean | CdcTransactionsOptions
}

/** Transactions counted per category per tumbling event-time window. */
export function categoryCounts(options: CategoryCountsOptions = {}) {
  return defineTopology({ applicationId: options.applicationId ?? 'category-counts' }, (b) => {
    const transactions = options.cdc
      ? cdcTransactions(b, { topic: options.inputTopic, ...(options.cdc === true ? {} : options.cdc) })
      : b
          .stream(options.inputTopic ?? 'transactions', { key: serdes.string(), value: transaction, timestamp: transactionTime })
          // A tombstone (null value) is no transaction: nothing to count.
          .filter((_key, tx) => tx !== null, { name: 'skip-tombstones' })
    transactions
      .groupBy((_key, tx) => tx.category, { key: serdes.string(), value: transaction, repartition: 'transactions-by-category' })
      .windowedBy(TimeWindows.ofSize(options.windowSize ?? '1m').grace(options.grace ?? '10s'))
      .count({ store: 'counts-per-category' })
      .toStream()
      .to(options.outputTopic ?? 'category-counts', { key: serdes.windowed(serdes.string()), value: serdes.long() })
  })
}

export default categoryCounts()
