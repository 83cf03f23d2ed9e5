import type { StoreSpec } from '../state/store.js'
import type { SourceNode } from './nodes.js'

/**
 * A store every instance holds whole (Kafka Streams' global store): all partitions of one
 * topic, kept up to date by a reader of its own, outside any task and any consumer group. The
 * topic is its changelog, so it has none of its own. Processors of any sub-topology may read
 * it; only the runtime writes it.
 */
export interface GlobalStore {
  /** Its number among the sub-topologies (after the ones that run as tasks), for describe(). */
  readonly id: number
  readonly topic: string
  /** Decodes the topic's records (a null value deletes the key). */
  readonly source: SourceNode
  /** The node that keeps the store (describe() shows it as the store's processor). */
  readonly processorName: string
  readonly spec: StoreSpec
}
