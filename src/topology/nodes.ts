import type { ProcessorSupplier } from '../processor/processor.js'
import type { Serde } from '../serde/serde.js'

/** Reads the event time of a record; the default is the record's own timestamp. */
export type TimestampExtractor<K, V> = (value: V, key: K, recordTimestamp: number) => number

/** Chooses the partition of an outgoing record; undefined leaves it to the producer (murmur2 of the key). */
export type Partitioner<K, V> = (key: K, value: V, partitionCount: number) => number | undefined

export interface SourceNode {
  readonly kind: 'source'
  readonly name: string
  readonly topics: readonly string[]
  readonly keySerde: Serde<unknown>
  readonly valueSerde: Serde<unknown>
  readonly timestampExtractor?: TimestampExtractor<unknown, unknown>
}

export interface ProcessorNode {
  readonly kind: 'processor'
  readonly name: string
  readonly parents: readonly string[]
  readonly supplier: ProcessorSupplier<unknown, unknown, unknown, unknown>
  readonly stores: readonly string[]
}

export interface SinkNode {
  readonly kind: 'sink'
  readonly name: string
  readonly parents: readonly string[]
  readonly topic: string
  readonly keySerde: Serde<unknown>
  readonly valueSerde: Serde<unknown>
  readonly partitioner?: Partitioner<unknown, unknown>
  /** Writes a repartition topic: its records carry their source record's position (see record-origin.ts). */
  readonly repartition?: boolean
}

export type TopologyNode = SourceNode | ProcessorNode | SinkNode

/** Topics the application owns; names are full names (`<applicationId>-<name>-<suffix>`). */
export interface InternalTopic {
  readonly name: string
  readonly kind: 'repartition' | 'changelog'
  /** For changelogs: the store, and whether it holds windows or sessions (cleanup compact,delete). */
  readonly store?: string
  readonly windowed?: boolean
}
