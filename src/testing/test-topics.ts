import { Record } from '../processor/record.js'
import type { Headers, Serde } from '../serde/serde.js'
import type { KeyValue } from '../state/store.js'
import type { OutgoingRecord } from '../runtime/wire-records.js'

/** A record to pipe in; the timestamp defaults to the driver's wall-clock time. */
export interface TestRecord<K, V> {
  key: K
  value: V
  timestamp?: number
  headers?: Headers
}

/** Raw bytes to pipe in, for testing how bad payloads are handled. */
export interface RawTestRecord {
  key: Buffer | null
  value: Buffer | null
  timestamp?: number
  headers?: Headers
}

/** What an input topic needs from the driver. */
export interface InputSink {
  pipe(topic: string, records: readonly RawTestRecord[]): Promise<void>
}

/** Writes typed records into a topic of the driver. */
export class TestInputTopic<K, V> {
  constructor(
    private readonly driver: InputSink,
    readonly topic: string,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
  ) {}

  pipeInput(key: K, value: V, timestamp?: number, headers?: Headers): Promise<void> {
    return this.pipeRecords([{ key, value, timestamp, headers }])
  }

  /** Pipes records as one fetched batch, the way the Kafka runtime hands them to a task. */
  async pipeRecords(records: Iterable<TestRecord<K, V>>): Promise<void> {
    await this.keySerde.prepare?.(this.topic, [])
    await this.valueSerde.prepare?.(this.topic, [])
    const raw: RawTestRecord[] = []
    for (const record of records) {
      raw.push({
        key: this.keySerde.serialize(this.topic, record.key, record.headers),
        value: this.valueSerde.serialize(this.topic, record.value, record.headers),
        timestamp: record.timestamp,
        headers: record.headers,
      })
    }
    return this.driver.pipe(this.topic, raw)
  }

  pipeRaw(records: readonly RawTestRecord[]): Promise<void> {
    return this.driver.pipe(this.topic, records)
  }
}

/** Reads (and consumes) the records the topology wrote to a topic. */
export class TestOutputTopic<K, V> {
  constructor(
    private readonly queue: OutgoingRecord[],
    readonly topic: string,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
  ) {}

  queueSize(): number {
    return this.queue.length
  }

  isEmpty(): boolean {
    return this.queue.length === 0
  }

  readRecord(): Record<K, V> {
    const next = this.queue.shift()
    if (!next) throw new Error(`No record left in output topic "${this.topic}"`)
    return new Record(
      this.keySerde.deserialize(this.topic, next.key, next.headers),
      this.valueSerde.deserialize(this.topic, next.value, next.headers),
      next.timestamp,
      next.headers,
    )
  }

  readRecordsToList(): Record<K, V>[] {
    const records: Record<K, V>[] = []
    while (!this.isEmpty()) records.push(this.readRecord())
    return records
  }

  readKeyValuesToList(): KeyValue<K, V>[] {
    return this.readRecordsToList().map(({ key, value }) => ({ key, value }))
  }

  /** The latest value per key; `keyOf` turns object keys (such as windowed keys) into map keys. */
  readKeyValuesToMap<M = K>(keyOf: (key: K) => M = (key) => key as unknown as M): Map<M, V> {
    const latest = new Map<M, V>()
    for (const { key, value } of this.readKeyValuesToList()) latest.set(keyOf(key), value)
    return latest
  }
}
