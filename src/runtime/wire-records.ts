import type { Headers } from '../serde/serde.js'

/** A record as consumed from a topic partition, still in bytes. */
export interface IncomingRecord {
  readonly topic: string
  readonly partition: number
  /** Kafka offsets are 64-bit; kept as the decimal string the client gives. */
  readonly offset: string
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly timestamp: number
  readonly headers: Headers
}

/** A record for a topic, already serialized; no partition lets the producer choose by key. */
export interface OutgoingRecord {
  readonly topic: string
  readonly partition?: number
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly timestamp: number
  readonly headers: Headers
}

/** Where a task's sinks send records; the runtime batches them, the test driver routes them. */
export interface RecordCollector {
  send(record: OutgoingRecord): void
  /** Partition count of a topic, for custom partitioners. */
  partitionsFor(topic: string): number
}
