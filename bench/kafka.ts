import '../src/runtime/kafka/kafkajs/kafkajs-corrections.js' // corrects kafkajs before it loads
import { execFileSync } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel, Partitioners } from 'sluice-kafkajs'
import { defineTopology, KafkaStreams, serdes, type StreamsConfig, type Topology } from 'sluice'
import type { PartitionRange } from '../src/runtime/kafka/client/partition-reader.js'
import { KafkajsClient } from '../src/runtime/kafka/kafkajs/kafkajs-client.js'
import { retryRetriable } from '../src/runtime/kafka/retry-retriable.js'
import { categoryCounts } from '../topologies/category-counts.js'
import { reachable } from '../test/global-setup.js'
import { benchTransactions, LIGHT_HISTORY, type HistoryShape } from './transactions.js'

/**
 * Records per run. A throughput of 1M records runs long enough (10-40 s per phase) that
 * connecting, joining the group and the last commit interval weigh little; at 200k a phase
 * lasts 3-5 s and those one-off costs are a quarter of it.
 */
export const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000)
const PARTITIONS = 6
export const BROKERS = (process.env.SLUICE_BROKERS ?? '127.0.0.1:9092').split(',')
export const kafka = new Kafka({ clientId: 'sluice-bench', brokers: BROKERS, logLevel: logLevel.NOTHING })
export const runId = `bench-${Date.now().toString(36)}`
/** Sluice's own client, for reading partitions without a group. */
const benchClient = new KafkajsClient({ clientId: 'sluice-bench', brokers: BROKERS })

/** Partitions this close to their end are read to see whether what is left holds records at all. */
const CHECK_BELOW = 10

/**
 * Records on the topics the group has not committed yet. Offsets past the last committed one
 * that hold no record (a transaction's commit marker: Quix Streams commits the offset after its
 * last record, before the marker) are not records: a partition a few offsets short of its end is
 * read from the committed offset, read-committed, and counts only the records found there.
 */
export async function lag(groupId: string, topics: readonly string[]): Promise<number> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    let total = 0
    const nearEnd: PartitionRange[] = []
    const partitionCounts = new Map<string, number>()
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic).catch(() => [])
      // A topic not created yet (a peer's repartition topic before it starts) is not consumed; nothing to ask about it.
      if (ends.length === 0) {
        total += 1
        continue
      }
      partitionCounts.set(topic, ends.length)
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] })
      for (const end of ends) {
        // Clamped per partition: "high" is the last stable offset, which a group reading uncommitted records may pass.
        const from = Math.max(0, Number(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? 0))
        const left = Math.max(0, Number(end.high) - from)
        if (left > 0 && left <= CHECK_BELOW) nearEnd.push({ topic, partition: end.partition, from: BigInt(from), to: BigInt(end.high) })
        else total += left
      }
    }
    if (nearEnd.length > 0) total += await recordsIn(nearEnd, partitionCounts)
    return total
  } finally {
    await admin.disconnect()
  }
}

async function recordsIn(ranges: readonly PartitionRange[], partitionCounts: ReadonlyMap<string, number>): Promise<number> {
  let count = 0
  const reader = benchClient.partitionReader({ readCommitted: true, partitionCounts, purpose: 'sluice-bench-lag' })
  await reader.read(ranges, async (_range, records) => {
    count += records.length
  })
  return count
}

/** Seconds from `start()` until the group has committed everything on the topics; `failure()` ends the wait with an error. */
export async function timeUntilConsumed(groupId: string, topics: readonly string[], start: () => Promise<void>, failure: () => Error | undefined = () => undefined): Promise<number> {
  const started = process.hrtime.bigint()
  await start()
  while ((await lag(groupId, topics)) > 0) {
    const error = failure()
    if (error) throw new Error(`${groupId} stopped before consuming everything: ${error.message}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return Number(process.hrtime.bigint() - started) / 1e9
}

export async function prepareInput(topic: string, shape: HistoryShape = LIGHT_HISTORY): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  // A broker started a moment ago may not host the new topic yet.
  await retryRetriable(`creating ${topic}`, () => admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, configEntries: [{ name: 'retention.ms', value: '-1' }] }], waitForLeaders: true }), () => {})
  await admin.disconnect()
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  let batch: { key: string; value: string }[] = []
  for (const { key, value } of benchTransactions(RECORDS, 42, shape)) {
    batch.push({ key, value: JSON.stringify(value) })
    if (batch.length === 5000) {
      await producer.send({ topic, messages: batch })
      batch = []
    }
  }
  if (batch.length > 0) await producer.send({ topic, messages: batch })
  await producer.disconnect()
}

/**
 * The ceiling: kafkajs alone consuming batches, producing them to another topic, committing.
 * Timed like Sluice, whose start() connects, creates its topics and joins the group: from
 * before the setup (output topic, clients, subscription) until the group has committed all.
 */
export async function rawPassThrough(input: string): Promise<number> {
  const groupId = `${runId}-raw`
  const output = `${runId}-raw-out`
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 })
  const seconds = await timeUntilConsumed(groupId, [input], async () => {
    const admin = kafka.admin()
    await admin.connect()
    await retryRetriable(`creating ${output}`, () => admin.createTopics({ topics: [{ topic: output, numPartitions: PARTITIONS, configEntries: [{ name: 'retention.ms', value: '-1' }] }], waitForLeaders: true }), () => {})
    await admin.disconnect()
    await producer.connect()
    await consumer.connect()
    await consumer.subscribe({ topics: [input], fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        await producer.send({ topic: output, messages: batch.messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })), acks: -1 })
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }])
      },
    })
  })
  await consumer.disconnect()
  await producer.disconnect()
  return RECORDS / seconds
}

export async function sluice(topology: Topology, topics: readonly string[], config: Partial<StreamsConfig> = {}): Promise<number> {
  const stateDir = join(tmpdir(), `${runId}-state`)
  const streams = new KafkaStreams(topology, { brokers: BROKERS, stateDir, log: () => {}, ...config })
  const seconds = await timeUntilConsumed(topology.applicationId, topics, () => streams.start(), () => streams.error)
  await streams.close()
  await rm(stateDir, { recursive: true, force: true })
  return RECORDS / seconds
}

/** Uses a broker that already listens (started by any checkout, or docker compose); else starts the project's own. */
export async function ensureKafka(): Promise<void> {
  const [host, port] = BROKERS[0].split(':')
  if (await reachable(Number(port), host)) return
  execFileSync('bash', ['scripts/services.sh', 'up', 'kafka'], { stdio: 'ignore' })
}

export async function run(): Promise<void> {
  await ensureKafka()
  const input = `${runId}-transactions`
  await prepareInput(input)
  console.log(`${RECORDS} records on a ${PARTITIONS}-partition topic, one broker on this machine`)
  const ceiling = await rawPassThrough(input)
  const passThroughApp = `${runId}-pass`
  const passThrough = await sluice(
    defineTopology({ applicationId: passThroughApp }, (b) => {
      b.stream(input, { key: serdes.bytes(), value: serdes.bytes() }).to(`${passThroughApp}-out`)
    }),
    [input],
  )
  const countApp = `${runId}-count`
  const count = await sluice(categoryCounts({ applicationId: countApp, inputTopic: input, outputTopic: `${countApp}-out`, grace: '30d' }), [input, `${countApp}-transactions-by-category-repartition`])
  console.log(`  kafkajs pass-through (ceiling)  ${Math.round(ceiling)} records/s`)
  console.log(`  sluice pass-through             ${Math.round(passThrough)} records/s   ratio ${(passThrough / ceiling).toFixed(2)} (target >= 0.80)`)
  console.log(`  sluice category count           ${Math.round(count)} records/s   ratio ${(count / ceiling).toFixed(2)} (target >= 0.50)`)
}
