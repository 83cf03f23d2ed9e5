import './kafkajs/kafkajs-corrections.js' // corrects kafkajs before it loads
import type { Message, ProducerBatch, RecordMetadata } from 'sluice-kafkajs'
import { topicPartitionKey } from '../../base/topic-partition.js'
import type { OutgoingRecord, RecordCollector } from '../wire-records.js'
import { partitionForKey } from './default-partitioner.js'
import type { PartitionCounts } from './internal-topics.js'

/**
 * A request carries at most this much per partition: each partition's records travel as one
 * record batch, and the broker refuses batches over its message.max.bytes (1 MiB by default).
 */
const MAX_BATCH_BYTES = 896 * 1024
/** ... and at most this much in all, so that one request does not hold the producer for long. */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024

/** Partition counts of the topics written, where known; no count leaves partitioning to kafkajs. */
export type PartitionsOf = (topic: string) => number | undefined

/** A record turned into kafkajs's message, partition chosen where possible, with its size for request bounds. */
export interface PreparedRecord {
  readonly topic: string
  readonly message: Message
  readonly bytes: number
}

export function prepareRecord(record: OutgoingRecord, partitionsOf: PartitionsOf | undefined): PreparedRecord {
  let headers: { [name: string]: Buffer | string } | undefined
  let headerBytes = 0
  // Own names only, into a null-prototype object: header names are input data (__proto__ too).
  for (const name of Object.keys(record.headers)) {
    const value = record.headers[name]
    if (value === undefined) continue
    ;(headers ??= Object.create(null) as { [name: string]: Buffer | string })[name] = value
    headerBytes += name.length + (typeof value === 'string' ? Buffer.byteLength(value) : value.length) + 8
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
  // Roughly what the record adds to its batch: key, value, headers and per-record framing.
  const bytes = (record.key?.length ?? 0) + (record.value?.length ?? 0) + headerBytes + 64
  return { topic: record.topic, message, bytes }
}

/** A record's size for the send-buffer bound, cheaply: header strings by their length. */
function approximateRecordBytes(record: OutgoingRecord): number {
  let bytes = (record.key?.length ?? 0) + (record.value?.length ?? 0) + 64
  for (const name in record.headers) bytes += name.length + (record.headers[name]?.length ?? 0) + 8
  return bytes
}

/** A producer or a transaction: whatever can send a batch. */
export interface BatchSender {
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]>
}

/**
 * Sends records[start, end) as one request and returns the next offset per `topic:partition`
 * written, into `ends`.
 */
export async function sendRequest(producer: BatchSender, records: readonly PreparedRecord[], start: number, end: number, ends: Map<string, bigint>): Promise<void> {
  const byTopic = new Map<string, Message[]>()
  // Records per partition, per topic, for the end offsets (no string key per record).
  const perPartition = new Map<string, number[]>()
  let topic: string | undefined
  let messages: Message[] = []
  let counts: number[] = []
  for (let index = start; index < end; index++) {
    const { topic: recordTopic, message } = records[index]
    if (recordTopic !== topic) {
      topic = recordTopic
      let existing = byTopic.get(topic)
      if (!existing) byTopic.set(topic, (existing = []))
      messages = existing
      let topicCounts = perPartition.get(topic)
      if (!topicCounts) perPartition.set(topic, (topicCounts = []))
      counts = topicCounts
    }
    messages.push(message)
    if (message.partition !== undefined) counts[message.partition] = (counts[message.partition] ?? 0) + 1
  }
  const metadata = await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })), acks: -1 })
  for (const result of metadata) {
    const count = perPartition.get(result.topicName)?.[result.partition]
    if (count !== undefined && result.baseOffset !== undefined) ends.set(topicPartitionKey({ topic: result.topicName, partition: result.partition }), BigInt(result.baseOffset) + BigInt(count))
  }
}

/**
 * The end (exclusive) of the request that starts at `start`: at least one record, then as many
 * as fit MAX_BATCH_BYTES per partition and MAX_REQUEST_BYTES in all. Records whose partition
 * kafkajs will choose count against one budget per topic, as if they all went to one partition.
 */
export function requestEnd(records: readonly PreparedRecord[], start: number): number {
  const batchBytes = new Map<string, number[]>()
  let total = 0
  let end = start
  for (; end < records.length; end++) {
    const { topic, message, bytes } = records[end]
    let ofTopic = batchBytes.get(topic)
    if (ofTopic === undefined) batchBytes.set(topic, (ofTopic = []))
    // Slot 0: records kafkajs will partition; slot p + 1: partition p.
    const index = message.partition === undefined ? 0 : message.partition + 1
    const inBatch = (ofTopic[index] ?? 0) + bytes
    if (end > start && (total + bytes > MAX_REQUEST_BYTES || inBatch > MAX_BATCH_BYTES)) break
    ofTopic[index] = inBatch
    total += bytes
  }
  return end
}

/**
 * Sends records in size-bounded requests, one after the other: concurrent sendBatch calls can
 * reach the broker out of order (kafkajs awaits metadata first), which would reorder a key's
 * updates. Returns the next offset per `topic:partition` written.
 */
export async function sendRecords(producer: BatchSender, records: readonly OutgoingRecord[], partitionsOf?: PartitionsOf): Promise<Map<string, bigint>> {
  const prepared = records.map((record) => prepareRecord(record, partitionsOf))
  const ends = new Map<string, bigint>()
  for (let start = 0; start < prepared.length; ) {
    const end = requestEnd(prepared, start)
    await sendRequest(producer, prepared, start, end, ends)
    start = end
  }
  return ends
}

/**
 * Collects a task's output records. Exactly-once: they wait here for the commit sequence,
 * which sends them inside the task's transaction (step 3). At-least-once: `forward` hands
 * each one straight to the task's BackgroundSender, which sends them as they accumulate.
 */
export class BufferedCollector implements RecordCollector {
  private buffer: OutgoingRecord[] = []
  private bufferedBytes = 0

  constructor(
    private readonly partitionCounts: () => PartitionCounts,
    private readonly forward?: (record: OutgoingRecord) => void,
  ) {}

  send(record: OutgoingRecord): void {
    if (this.forward) this.forward(record)
    else {
      this.buffer.push(record)
      this.bufferedBytes += approximateRecordBytes(record)
    }
  }

  partitionsFor(topic: string): number {
    return this.partitionCounts().get(topic) ?? 1
  }

  get size(): number {
    return this.buffer.length
  }

  /** Bytes of the buffered records (key, value, headers, framing; header strings by length). */
  get bytes(): number {
    return this.bufferedBytes
  }

  /** Hands over the buffered records and starts a new buffer. */
  drain(): OutgoingRecord[] {
    const records = this.buffer
    this.buffer = []
    this.bufferedBytes = 0
    return records
  }
}
