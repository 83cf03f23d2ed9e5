import './kafkajs/kafkajs-corrections.js' // corrects kafkajs before it loads
import { randomUUID } from 'node:crypto'
import type { Kafka } from 'sluice-kafkajs'
import { topicPartitionKey } from '../../base/topic-partition.js'
import type { ChangeRecord } from '../../state/managed-store.js'

/** One store partition to bring up to date: replay its changelog from `from` to `to` (exclusive). */
export interface RestoreTarget {
  readonly topic: string
  readonly partition: number
  readonly from: bigint
  readonly to: bigint
  readonly label: string
  apply(records: readonly ChangeRecord[]): Promise<void>
}

const PROGRESS_EVERY_MS = 2000

/**
 * Replays changelog partitions into stores. kafkajs has no manual partition assignment, so a
 * consumer of a throwaway group (one member, so it gets every partition) seeks to each target
 * and pauses the partitions it does not need. Logs records and percent on long restores.
 */
export async function restoreChangelogs(
  kafka: Kafka,
  applicationId: string,
  targets: readonly RestoreTarget[],
  options: {
    readCommitted: boolean
    log: (message: string) => void
    partitionCounts: ReadonlyMap<string, number>
    /**
     * Called after each applied batch: the application's consumer sends heartbeats only
     * between its own batches, and a restore runs inside one, so a restore longer than the
     * session timeout would otherwise get the member removed from its group.
     */
    keepAlive?: () => Promise<void>
  },
): Promise<void> {
  const pending = targets.filter((target) => target.to > target.from)
  if (pending.length === 0) return
  const remaining = new Map(pending.map((target) => [topicPartitionKey(target), target]))
  const total = pending.reduce((sum, target) => sum + Number(target.to - target.from), 0)
  let restored = 0
  let lastReport = Date.now()
  options.log(`restoring ${pending.length} store partition(s) from changelogs: ${total} records`)

  const consumer = kafka.consumer({
    groupId: `${applicationId}-restore-${randomUUID()}`,
    readUncommitted: !options.readCommitted,
    maxWaitTimeInMs: 100,
    sessionTimeout: 30_000,
    // A restore that fails (the broker went away) fails as a whole and is started again with
    // the task; kafkajs restarting this consumer by itself would lose the seeks.
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
    const topics = [...new Set(pending.map((target) => target.topic))]
    await consumer.subscribe({ topics, fromBeginning: true })
    consumer.on(consumer.events.CRASH, ({ payload }) => fail(payload.error))
    // Reaching the end is judged on every fetched batch, also those kafkajs never hands to
    // eachBatch because they held only transaction markers or aborted records.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const target = remaining.get(topicPartitionKey(payload))
      if (!target || BigInt(payload.lastOffset) + 1n < target.to) return
      remaining.delete(topicPartitionKey(payload))
      consumer.pause([{ topic: payload.topic, partitions: [payload.partition] }])
      if (remaining.size === 0) finish()
    })
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const target = remaining.get(topicPartitionKey(batch))
        if (!target) return
        try {
          const records: ChangeRecord[] = []
          for (const message of batch.messages) {
            if (BigInt(message.offset) >= target.to) break
            if (message.key) records.push({ key: message.key, value: message.value })
          }
          if (records.length > 0) await target.apply(records)
          restored += records.length
          await options.keepAlive?.()
          if (Date.now() - lastReport >= PROGRESS_EVERY_MS) {
            lastReport = Date.now()
            options.log(`restoring: ${restored}/${total} records (${Math.floor((100 * restored) / total)}%)`)
          }
        } catch (error) {
          fail(error)
        }
      },
    })
    for (const topic of topics) {
      const wanted = new Set(pending.filter((target) => target.topic === topic).map((target) => target.partition))
      const others = [...Array(options.partitionCounts.get(topic) ?? 0).keys()].filter((partition) => !wanted.has(partition))
      if (others.length > 0) consumer.pause([{ topic, partitions: others }])
    }
    for (const target of pending) consumer.seek({ topic: target.topic, partition: target.partition, offset: target.from.toString() })
    await done
    options.log(`restored ${restored} records`)
  } finally {
    await consumer.disconnect()
  }
}
