// The runner's Kafka operations (kafkajs, as the project's tests and benchmarks use it): topics,
// producing the input, group progress, reading an output topic to its end.
import '../src/runtime/kafka/kafkajs/kafkajs-corrections.js' // corrects kafkajs before it loads
import { Kafka, logLevel, Partitioners, type Admin, type KafkaMessage } from 'sluice-kafkajs'
import type { InputRecord } from './case.js'

export const BROKERS = (process.env.SLUICE_BROKERS ?? '127.0.0.1:9092').split(',')
const kafka = new Kafka({ clientId: 'sluice-conformance', brokers: BROKERS, logLevel: logLevel.NOTHING })

async function withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    return await use(admin)
  } finally {
    await admin.disconnect()
  }
}

/** Event times lie in the past: time-based retention (7 days by default) would delete them, so topics keep everything. */
export async function createTopics(topics: readonly string[], partitions: number): Promise<void> {
  await withAdmin(async (admin) => {
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: partitions, configEntries: [{ name: 'retention.ms', value: '-1' }] })), waitForLeaders: true })
  })
}

/** Deletes the topics and consumer groups whose names start with the prefix (a case's, once both sides have stopped). */
export async function deleteAll(prefix: string): Promise<void> {
  await withAdmin(async (admin) => {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix))
    if (topics.length > 0) await admin.deleteTopics({ topics })
    // Best effort: a group whose last member is still leaving refuses (its offsets expire anyway).
    const groups = (await admin.listGroups()).groups.map((group) => group.groupId).filter((group) => group.startsWith(prefix))
    const failed = await admin.deleteGroups(groups).then(
      () => [],
      (error: { groups?: { groupId: string; error?: { message: string } }[] }) => (error.groups ?? []).filter((group) => group.error).map((group) => `${group.groupId}: ${group.error?.message}`),
    )
    if (failed.length > 0) console.log(`  (groups not deleted: ${failed.join('; ')})`)
  })
}

/** Produces records to their explicit partitions, in order per partition, acknowledged by all replicas. */
export async function produce(topicOf: (input: string) => string, records: readonly InputRecord[]): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  try {
    const byTopic = new Map<string, { key: string; value: string | null; partition: number; timestamp: string }[]>()
    for (const record of records) {
      const topic = topicOf(record.input)
      const messages = byTopic.get(topic) ?? []
      messages.push({ key: record.key, value: record.value, partition: record.partition, timestamp: String(record.timestamp) })
      byTopic.set(topic, messages)
    }
    for (const [topic, messages] of byTopic) await producer.send({ topic, messages, acks: -1 })
  } finally {
    await producer.disconnect()
  }
}

/** Input records a group has not committed yet (0: it has consumed everything). */
export async function lag(groupId: string, topics: readonly string[]): Promise<number> {
  return withAdmin(async (admin) => {
    let total = 0
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic)
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] })
      for (const end of ends) {
        const offset = Number(committed?.partitions.find((entry) => entry.partition === end.partition)?.offset ?? '-1')
        total += Math.max(0, Number(end.high) - Math.max(0, offset))
      }
    }
    return total
  })
}

/** An application's internal topics that it reads (repartition, subscription, response): named after it, changelogs aside. */
export async function internalTopicsOf(applicationId: string, outputs: readonly string[]): Promise<string[]> {
  return withAdmin(async (admin) => (await admin.listTopics()).filter((topic) => topic.startsWith(`${applicationId}-`) && !topic.endsWith('-changelog') && !outputs.includes(topic)))
}

/** Every committed record of a topic, from the beginning to its end as of the call, in partition order. */
export async function readTopic(topic: string, timeoutMs = 60_000): Promise<{ partition: number; message: KafkaMessage }[]> {
  const ends = await withAdmin((admin) => admin.fetchTopicOffsets(topic))
  const remaining = new Map(ends.filter((end) => Number(end.high) > Number(end.low)).map((end) => [end.partition, BigInt(end.high)]))
  const out: { partition: number; message: KafkaMessage }[] = []
  if (remaining.size === 0) return out
  const consumer = kafka.consumer({ groupId: `${topic}-reader-${Date.now()}`, readUncommitted: false, maxWaitTimeInMs: 200 })
  // Judged on every batch, including those kafkajs filters to nothing (transaction markers).
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const end = remaining.get(payload.partition)
    if (end !== undefined && BigInt(payload.lastOffset) + 1n >= end) remaining.delete(payload.partition)
  })
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    // Nothing committed: the reader's group leaves nothing behind.
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) out.push({ partition: batch.partition, message })
      },
    })
    const started = Date.now()
    while (remaining.size > 0) {
      if (Date.now() - started > timeoutMs) throw new Error(`timed out reading ${topic}: ${out.length} records read`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  } finally {
    await consumer.disconnect()
  }
  return out
}
