import './kafkajs-corrections.js' // corrects kafkajs before it loads
import { randomUUID } from 'node:crypto'
import type { Kafka } from 'sluice-kafkajs'
import { topicPartitionKey } from '../../../base/topic-partition.js'
import type { PartitionRange, PartitionReader, PartitionReaderOptions, ReadRecord } from '../client/partition-reader.js'

/**
 * kafkajs has no manual partition assignment: a consumer of a throwaway group (one member, so
 * it gets every partition) seeks to each range's start and pauses the partitions it does not
 * need, and each range's partition once it has reached the range's end.
 */
export class KafkajsPartitionReader implements PartitionReader {
  constructor(
    private readonly kafka: Kafka,
    private readonly options: PartitionReaderOptions,
  ) {}

  async read(ranges: readonly PartitionRange[], onRecords: (range: PartitionRange, records: readonly ReadRecord[]) => Promise<void>): Promise<void> {
    const pending = ranges.filter((range) => range.to > range.from)
    if (pending.length === 0) return
    const remaining = new Map(pending.map((range) => [topicPartitionKey(range), range]))
    const consumer = this.kafka.consumer({
      groupId: `${this.options.purpose}-${randomUUID()}`,
      readUncommitted: !this.options.readCommitted,
      maxWaitTimeInMs: 100,
      sessionTimeout: 30_000,
      // A read that fails (the broker went away) fails as a whole; kafkajs restarting this
      // consumer by itself would lose the seeks.
      retry: { restartOnFailure: async () => false },
    })
    let finish: () => void = () => {}
    let fail: (error: unknown) => void = () => {}
    const done = new Promise<void>((resolve, reject) => {
      finish = resolve
      fail = reject
    })
    // A failure may come before `done` is awaited; it is not an unhandled rejection then.
    done.catch(() => undefined)
    try {
      await consumer.connect()
      const topics = [...new Set(pending.map((range) => range.topic))]
      await consumer.subscribe({ topics, fromBeginning: true })
      consumer.on(consumer.events.CRASH, ({ payload }) => fail(payload.error))
      // The end is judged on every fetched batch, also those kafkajs never hands to eachBatch
      // because they held only transaction markers or aborted records.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const range = remaining.get(topicPartitionKey(payload))
        if (!range || BigInt(payload.lastOffset) + 1n < range.to) return
        remaining.delete(topicPartitionKey(payload))
        consumer.pause([{ topic: payload.topic, partitions: [payload.partition] }])
        if (remaining.size === 0) finish()
      })
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const range = remaining.get(topicPartitionKey(batch))
          if (!range) return
          try {
            const records: ReadRecord[] = []
            for (const message of batch.messages) {
              const offset = BigInt(message.offset)
              if (offset >= range.to) break
              records.push({ offset, key: message.key, value: message.value })
            }
            await onRecords(range, records)
          } catch (error) {
            fail(error)
          }
        },
      })
      for (const topic of topics) {
        const wanted = new Set(pending.filter((range) => range.topic === topic).map((range) => range.partition))
        const others = [...Array(this.options.partitionCounts.get(topic) ?? 0).keys()].filter((partition) => !wanted.has(partition))
        if (others.length > 0) consumer.pause([{ topic, partitions: others }])
      }
      for (const range of pending) consumer.seek({ topic: range.topic, partition: range.partition, offset: range.from.toString() })
      await done
    } finally {
      await consumer.disconnect()
    }
  }
}
