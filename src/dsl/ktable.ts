import type { Serde } from '../serde/serde.js'
import { KStream } from './kstream.js'
import type { StreamsBuilder } from './streams-builder.js'

/** A changelog stream seen as a table: the latest value per key. */
export class KTable<K, V> {
  /** @internal */
  constructor(
    readonly builder: StreamsBuilder,
    /** @internal */ readonly node: string,
    /** @internal */ readonly lineage: string,
    readonly keySerde: Serde<K> | undefined,
    readonly valueSerde: Serde<V> | undefined,
    /** The store holding the table, for joins and interactive queries; undefined if not materialized. */
    readonly storeName: string | undefined,
  ) {}

  /** The table's updates as a stream of (key, latest value) records. */
  toStream(): KStream<K, V> {
    return new KStream(this.builder, this.node, this.lineage, this.keySerde, this.valueSerde, false)
  }
}
