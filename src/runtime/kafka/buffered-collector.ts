import type { Message, ProducerBatch, RecordMetadata } from 'kafkajs'
import type { OutgoingRecord, RecordCollector } from '../wire-records.js'
import type { PartitionCounts } from './internal-topics.js'

/** Keeps each produce request well under the broker's default 1 MiB message.max.bytes. */
const MAX_REQUEST_BYTES = 512 * 1024

function toMessage(record: OutgoingRecord): Message {
  let headers: { [name: string]: Buffer | string } | undefined
  for (const name in record.headers) {
    const value = record.headers[name]
    if (value !== undefined) (headers ??= {})[name] = value
  }
  return { key: record.key, value: record.value, partition: record.partition, timestamp: String(record.timestamp), headers }
}

/**
 * Sends records in size-bounded requests, one after the other: concurrent sendBatch calls can
 * reach the broker out of order (kafkajs awaits metadata first), which would reorder a key's
 * updates. Returns the next offset per `topic:partition` written.
 */
/** A producer or a transaction: whatever can send a batch. */
export interface BatchSender {
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]>
}

export async function sendRecords(producer: BatchSender, records: readonly OutgoingRecord[]): Promise<Map<string, bigint>> {
  const results: RecordMetadata[][] = []
  const counts: Map<string, number>[] = []
  let start = 0
  while (start < records.length) {
    let bytes = 0
    let end = start
    while (end < records.length && (end === start || bytes < MAX_REQUEST_BYTES)) {
      bytes += (records[end].key?.length ?? 0) + (records[end].value?.length ?? 0) + 64
      end++
    }
    const byTopic = new Map<string, Message[]>()
    const perPartition = new Map<string, number>()
    for (let index = start; index < end; index++) {
      const record = records[index]
      let messages = byTopic.get(record.topic)
      if (!messages) byTopic.set(record.topic, (messages = []))
      messages.push(toMessage(record))
      if (record.partition !== undefined) perPartition.set(`${record.topic}:${record.partition}`, (perPartition.get(`${record.topic}:${record.partition}`) ?? 0) + 1)
    }
    results.push(await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })), acks: -1 }))
    counts.push(perPartition)
    start = end
  }
  const ends = new Map<string, bigint>()
  results.forEach((metadata, request) => {
    for (const result of metadata) {
      const key = `${result.topicName}:${result.partition}`
      const count = counts[request].get(key)
      if (count !== undefined && result.baseOffset !== undefined) ends.set(key, BigInt(result.baseOffset) + BigInt(count))
    }
  })
  return ends
}

/** Collects a commit interval's output records; the commit sequence sends them in step 3. */
export class BufferedCollector implements RecordCollector {
  private buffer: OutgoingRecord[] = []

  constructor(private readonly partitionCounts: () => PartitionCounts) {}

  send(record: OutgoingRecord): void {
    this.buffer.push(record)
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
