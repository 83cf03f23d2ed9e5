import type { Serde } from '../serde/serde.js'

/**
 * A table of every partition of a topic, whole on every instance (Kafka Streams'
 * GlobalKTable): read fully before processing starts and kept up to date by a reader of its
 * own. Streams join it by a key they compute from each record (KStream#join / leftJoin with a
 * key selector), with no repartitioning and no co-partitioning. It has no operations of its
 * own: it is only ever joined, or queried by its store's name.
 */
export class GlobalKTable<K, V> {
  /** @internal */
  constructor(
    /** The topic the table holds. */
    readonly topic: string,
    readonly keySerde: Serde<K>,
    readonly valueSerde: Serde<V>,
    /** The global store holding it (interactive queries: `streams.store(name)`). */
    readonly storeName: string,
  ) {}

  /** Kafka Streams' name for the store a query reads. */
  queryableStoreName(): string {
    return this.storeName
  }
}
