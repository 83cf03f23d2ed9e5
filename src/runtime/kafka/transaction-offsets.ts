import type { Transaction } from 'sluice-kafkajs'
import { isConcurrentTransactions } from './fault-classification.js'

/** How long an offsets-only commit retries CONCURRENT_TRANSACTIONS (the previous commit's markers). */
const RETRY_MS = 30_000

export type TopicOffsets = { topic: string; partitions: { partition: number; offset: string }[] }[]

/**
 * Adds consumed offsets to a transaction. Right after the previous commit the coordinator may
 * still be writing its markers and answer CONCURRENT_TRANSACTIONS, which kafkajs does not
 * retry for offsets; it is retriable, and failing the transaction for it would close, wipe and
 * restore every task of the instance.
 */
export async function sendOffsetsRetrying(transaction: Transaction, consumerGroupId: string, topics: TopicOffsets): Promise<void> {
  const started = Date.now()
  for (let pause = 10; ; pause = Math.min(pause * 2, 500)) {
    try {
      await transaction.sendOffsets({ consumerGroupId, topics })
      return
    } catch (error) {
      if (!isConcurrentTransactions(error) || Date.now() - started > RETRY_MS) throw error
      await new Promise((resolve) => setTimeout(resolve, pause))
    }
  }
}
