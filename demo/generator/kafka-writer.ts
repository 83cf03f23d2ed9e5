import 'sluice' // Sluice corrects kafkajs before it loads
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import { createTopicRetrying } from './create-topic.js'
import type { GeneratedTransaction } from './generate-transactions.js'
import { ProgressTicker, type WriteOptions } from './progress.js'

export interface KafkaWriteOptions extends WriteOptions {
  brokers: string[]
  topic: string
  /** Throttle to this many records per second of wall-clock time (default: as fast as possible). */
  rate?: number
  /** Partitions of the topic when it has to be created (default 6). */
  partitions?: number
  /** Records per produce request (default 2000). */
  batchSize?: number
  clientId?: string
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Produces transactions to a Kafka topic, creating it (6 partitions) when missing: key
 * cc_num (so a card's transactions stay in order on one partition, partitioned like the Java
 * client), value the transaction as JSON, record timestamp unix_time. Batches are sent one
 * after the other with acks=all. Resolves with the number of records written.
 */
export async function writeToKafka(records: Iterable<GeneratedTransaction> | AsyncIterable<GeneratedTransaction>, options: KafkaWriteOptions): Promise<number> {
  const kafka = new Kafka({ clientId: options.clientId ?? 'sluice-generate', brokers: options.brokers, logLevel: logLevel.ERROR })
  const admin = kafka.admin()
  await admin.connect()
  try {
    const existing = await admin.listTopics()
    if (!existing.includes(options.topic)) {
      // Generated event times may be long past: no time-based retention, or the broker deletes them.
      // A broker that has just started may not know the new topic's leader at once: retried.
      await createTopicRetrying(() => admin.createTopics({ topics: [{ topic: options.topic, numPartitions: options.partitions ?? 6, configEntries: [{ name: 'retention.ms', value: '-1' }] }], waitForLeaders: true }))
    }
  } finally {
    await admin.disconnect()
  }
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  const ticker = new ProgressTicker(options)
  const rate = options.rate && options.rate > 0 ? options.rate : undefined
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 2000, rate ? Math.ceil(rate / 10) : Infinity))
  const started = Date.now()
  let written = 0
  let batch: { key: string; value: string; timestamp: string }[] = []
  const send = async (): Promise<void> => {
    if (batch.length === 0) return
    await producer.send({ topic: options.topic, messages: batch, acks: -1 })
    written += batch.length
    batch = []
    ticker.tick(written)
    if (rate) {
      const due = started + (written * 1000) / rate
      if (due > Date.now()) await sleep(due - Date.now())
    }
  }
  try {
    for await (const { transaction } of records) {
      batch.push({ key: transaction.cc_num, value: JSON.stringify(transaction), timestamp: String(transaction.unix_time * 1000) })
      if (batch.length >= batchSize) await send()
    }
    await send()
  } finally {
    await producer.disconnect()
  }
  ticker.done(written)
  return written
}
