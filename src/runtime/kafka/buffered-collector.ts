import './kafkajs-aborted-filter.js' // corrects kafkajs before it loads
import type { Message, ProducerBatch, RecordMetadata } from 'kafkajs'
import type { OutgoingRecord, RecordCollector } from '../wire-records.js'
import { partitionForKey } from './default-partitioner.js'
import type { PartitionCounts } from './internal-topics.js'

/** Keeps each produce request well under the broker's default 1 MiB message.max.bytes. */
const MAX_REQUEST_BYTES = 512 * 1024
/**
 * The background sender also keeps requests under this many records: kafkajs groups a
 * request's messages per partition by copying the partition's array for every message
 * (quadratic in messages per partition).
 */
export const MAX_REQUEST_RECORDS = 1000

/** Partition counts of the topics written, where known; no count leaves partitioning to kafkajs. */
export type PartitionsOf = (topic: string) => number | undefined

function toMessage(record: OutgoingRecord, partitionsOf: PartitionsOf | undefined): Message {
  let headers: { [name: string]: Buffer | string } | undefined
  for (const name in record.headers) {
    const value = record.headers[name]
    if (value !== undefined) (headers ??= {})[name] = value
  }
  let partition = record.partition
  // The default partitioner's choice, computed here without kafkajs's per-message Long arithmetic.
  if (partition === undefined && record.key !== null && partitionsOf !== undefined) {
    const count = partitionsOf(record.topic)
    if (count !== undefined) partition = partitionForKey(record.key, count)
  }
  const message: Message = { key: record.key, value: record.value, timestamp: String(record.timestamp) }
  if (partition !== undefined) message.partition = partition
  if (headers !== undefined) message.headers = headers
  return message
}

/** A producer or a transaction: whatever can send a batch. */
export interface BatchSender {
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]>
}

/** Bytes a record adds to a produce request, roughly (key, value and per-record overhead). */
export function requestBytesOf(record: OutgoingRecord): number {
  return (record.key?.length ?? 0) + (record.value?.length ?? 0) + 64
}

/**
 * Sends records[start, end) as one request and returns the next offset per `topic:partition`
 * written, into `ends`.
 */
export async function sendRequest(
  producer: BatchSender,
  records: readonly OutgoingRecord[],
  start: number,
  end: number,
  ends: Map<string, bigint>,
  partitionsOf?: PartitionsOf,
): Promise<void> {
  const byTopic = new Map<string, Message[]>()
  // Records per partition, per topic, for the end offsets (no string key per record).
  const perPartition = new Map<string, number[]>()
  let topic: string | undefined
  let messages: Message[] = []
  let counts: number[] = []
  for (let index = start; index < end; index++) {
    const record = records[index]
    if (record.topic !== topic) {
      topic = record.topic
      let existing = byTopic.get(topic)
      if (!existing) byTopic.set(topic, (existing = []))
      messages = existing
      let topicCounts = perPartition.get(topic)
      if (!topicCounts) perPartition.set(topic, (topicCounts = []))
      counts = topicCounts
    }
    const message = toMessage(record, partitionsOf)
    messages.push(message)
    if (message.partition !== undefined) counts[message.partition] = (counts[message.partition] ?? 0) + 1
  }
  const metadata = await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })), acks: -1 })
  for (const result of metadata) {
    const count = perPartition.get(result.topicName)?.[result.partition]
    if (count !== undefined && result.baseOffset !== undefined) ends.set(`${result.topicName}:${result.partition}`, BigInt(result.baseOffset) + BigInt(count))
  }
}

/** The end (exclusive) of the request that starts at `start`: up to MAX_REQUEST_BYTES and `maxRecords`, at least one record. */
export function requestEnd(records: readonly OutgoingRecord[], start: number, maxRecords = Infinity): number {
  const last = Math.min(records.length, start + maxRecords)
  let bytes = 0
  let end = start
  while (end < last && (end === start || bytes < MAX_REQUEST_BYTES)) bytes += requestBytesOf(records[end++])
  return end
}

/**
 * Sends records in size-bounded requests, one after the other: concurrent sendBatch calls can
 * reach the broker out of order (kafkajs awaits metadata first), which would reorder a key's
 * updates. Returns the next offset per `topic:partition` written.
 */
export async function sendRecords(producer: BatchSender, records: readonly OutgoingRecord[], partitionsOf?: PartitionsOf): Promise<Map<string, bigint>> {
  const ends = new Map<string, bigint>()
  for (let start = 0; start < records.length; ) {
    const end = requestEnd(records, start)
    await sendRequest(producer, records, start, end, ends, partitionsOf)
    start = end
  }
  return ends
}

/**
 * Collects a task's output records. Exactly-once: they wait here for the commit sequence,
 * which sends them inside the task's transaction (step 3). At-least-once: `forward` hands
 * each one straight to the shared BackgroundSender, which sends them as they accumulate.
 */
export class BufferedCollector implements RecordCollector {
  private buffer: OutgoingRecord[] = []

  constructor(
    private readonly partitionCounts: () => PartitionCounts,
    private readonly forward?: (record: OutgoingRecord) => void,
  ) {}

  send(record: OutgoingRecord): void {
    if (this.forward) this.forward(record)
    else this.buffer.push(record)
  }

  partitionsFor(topic: string): number {
    return this.partitionCounts().get(topic) ?? 1
  }

  get size(): number {
    return this.buffer.length
  }

  /** Hands over the buffered records and starts a new buffer. */
  drain(): OutgoingRecord[] {
    const records = this.buffer
    this.buffer = []
    return records
  }
}
