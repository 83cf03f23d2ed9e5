import './kafkajs-corrections.js' // corrects kafkajs before it loads
import { randomUUID } from 'node:crypto'
import type { Consumer, Kafka } from 'sluice-kafkajs'
import { topicPartitionKey, type TopicPartition } from '../../../base/topic-partition.js'
import type { FollowHandlers, PartitionFollower, PartitionRange, PartitionReader, PartitionReaderOptions, PartitionStart, ReadRecord } from '../client/partition-reader.js'
import { toHeaders } from './kafkajs-headers.js'

const HEARTBEAT_WHILE_WAITING_MS = 3000

/** A throwaway-group consumer reading some partitions from given offsets. */
interface PartitionConsumer {
  readonly consumer: Consumer
  /** Rejects on the first failure; never resolves by itself. */
  readonly failed: Promise<never>
  fail(error: unknown): void
  disconnect(): Promise<void>
}

/**
 * kafkajs has no manual partition assignment: a consumer of a throwaway group (one member, so
 * it gets every partition) seeks to each start and pauses the partitions it does not need.
 * Bounded reads pause each range's partition once it has reached the range's end.
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
    let finish: () => void = () => {}
    const done = new Promise<void>((resolve) => (finish = resolve))
    const reading = this.consumer()
    await this.start(reading, pending, {
      onRecords: async (partition, records) => {
        const range = remaining.get(topicPartitionKey(partition))
        if (range) await onRecords(range, records.filter((record) => record.offset < range.to))
      },
      // The end is judged on every fetched batch, also those kafkajs never hands to eachBatch
      // because they held only transaction markers or aborted records.
      onPosition: (partition, nextOffset) => {
        const range = remaining.get(topicPartitionKey(partition))
        if (!range || nextOffset < range.to) return
        remaining.delete(topicPartitionKey(partition))
        reading.consumer.pause([{ topic: partition.topic, partitions: [partition.partition] }])
        if (remaining.size === 0) finish()
      },
    })
    try {
      await Promise.race([done, reading.failed])
    } finally {
      await reading.disconnect()
    }
  }

  follow(starts: readonly PartitionStart[], handlers: FollowHandlers): PartitionFollower {
    let stopRequested: () => void = () => {}
    const stopped = new Promise<void>((resolve) => (stopRequested = resolve))
    const ended = (async () => {
      const reading = this.consumer()
      await this.start(reading, starts, handlers)
      try {
        await Promise.race([stopped, reading.failed])
      } finally {
        await reading.disconnect()
      }
    })()
    ended.catch(() => undefined)
    return {
      ended,
      stop: async () => {
        stopRequested()
        await ended.catch(() => undefined)
      },
    }
  }

  private consumer(): PartitionConsumer {
    const consumer = this.kafka.consumer({
      groupId: `${this.options.purpose}-${randomUUID()}`,
      readUncommitted: !this.options.readCommitted,
      maxWaitTimeInMs: 100,
      sessionTimeout: 30_000,
      // A read that fails (the broker went away) fails as a whole; kafkajs restarting this
      // consumer by itself would lose the seeks.
      retry: { restartOnFailure: async () => false },
    })
    let fail: (error: unknown) => void = () => {}
    const failed = new Promise<never>((_resolve, reject) => (fail = reject))
    // A failure may come before `failed` is awaited; it is not an unhandled rejection then.
    failed.catch(() => undefined)
    return { consumer, failed, fail, disconnect: () => consumer.disconnect() }
  }

  /** Connects, seeks to the starts and hands batches on, until disconnected or failed. */
  private async start({ consumer, fail, disconnect }: PartitionConsumer, starts: readonly PartitionStart[], handlers: FollowHandlers): Promise<void> {
    let broken = false
    const wanted = new Set(starts.map((start) => topicPartitionKey(start)))
    try {
      await consumer.connect()
      const topics = [...new Set(starts.map((start) => start.topic))]
      await consumer.subscribe({ topics, fromBeginning: true })
      consumer.on(consumer.events.CRASH, ({ payload }) => fail(payload.error))
      // A second join (the member was dropped, say after a long pause) would resume every
      // partition from its beginning, the seeks forgotten: fail instead, the caller starts again.
      let joins = 0
      consumer.on(consumer.events.GROUP_JOIN, () => {
        if (++joins > 1) fail(new Error(`the reader ${this.options.purpose} rejoined its group and lost its positions`))
      })
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const partition: TopicPartition = { topic: payload.topic, partition: payload.partition }
        // After a failed batch, nothing after it counts as read.
        if (!broken && wanted.has(topicPartitionKey(partition))) handlers.onPosition(partition, BigInt(payload.lastOffset) + 1n)
      })
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch, heartbeat }) => {
          if (broken || !wanted.has(topicPartitionKey(batch))) return
          try {
            const records: ReadRecord[] = batch.messages.map((message) => ({ offset: BigInt(message.offset), key: message.key, value: message.value, headers: toHeaders(message.headers) }))
            // The handler may wait (a global store's batch waits for the tasks' lock): stay in the group meanwhile.
            const alive = setInterval(() => void heartbeat().catch(() => undefined), HEARTBEAT_WHILE_WAITING_MS)
            try {
              await handlers.onRecords({ topic: batch.topic, partition: batch.partition }, records)
            } finally {
              clearInterval(alive)
            }
          } catch (error) {
            broken = true
            fail(error)
          }
        },
      })
      for (const topic of topics) {
        const others = [...Array(this.options.partitionCounts.get(topic) ?? 0).keys()].filter((partition) => !wanted.has(topicPartitionKey({ topic, partition })))
        if (others.length > 0) consumer.pause([{ topic, partitions: others }])
      }
      for (const start of starts) consumer.seek({ topic: start.topic, partition: start.partition, offset: start.from.toString() })
    } catch (error) {
      await disconnect().catch(() => undefined)
      throw error
    }
  }
}
