import type { Serde } from '../serde/serde.js'
import { groupTable, type KGroupedTable, type TableGroupedOptions } from './kgrouped-table.js'
import { joinOnForeignKey, type ForeignKeyJoinedOptions } from './foreign-key-join.js'
import { KStream, type KeyValuePair } from './kstream.js'
import type { StreamsBuilder } from './streams-builder.js'
import { filterTable, joinTables, mapTableValues, type TableJoinedOptions, type TableOperationOptions } from './table-operations.js'
import type { TableValueGetter } from './table-value-getter.js'
import type { Suppressed } from './suppressed.js'
import { suppressTable, type SuppressOptions } from './suppress-table.js'

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
    /** @internal How joins read a table that has no store of its own (derived tables). */
    readonly valueGetter?: TableValueGetter<K, V>,
    /** @internal Windowed tables: the stream time at which a key's window closes (for suppress). */
    readonly windowCloseMs?: (key: K) => number,
  ) {}

  /** The table's updates as a stream of (key, latest value) records. */
  toStream(): KStream<K, V> {
    return new KStream(this.builder, this.node, this.lineage, this.keySerde, this.valueSerde, false)
  }

  /**
   * The rows whose value matches. An update that does not match deletes its key downstream (a
   * null value), as a delete does; see TableOperationOptions for materializing the result.
   */
  filter(predicate: (key: K, value: V) => boolean, options?: TableOperationOptions<V>): KTable<K, V> {
    return filterTable(this, predicate, true, options)
  }

  /** The rows whose value does not match; see filter(). */
  filterNot(predicate: (key: K, value: V) => boolean, options?: TableOperationOptions<V>): KTable<K, V> {
    return filterTable(this, predicate, false, options)
  }

  /** Every row's value mapped; deletes stay deletes, and a mapper returning null deletes the key. */
  mapValues<V2>(mapper: (value: V, key: K) => V2, options?: TableOperationOptions<V2>): KTable<K, V2> {
    return mapTableValues(this, mapper, options)
  }

  /**
   * Regroups the rows by a new key (and value), through a repartition topic, for count, reduce
   * or aggregate; an update of a row subtracts its old value from its old group and adds its
   * new one (Kafka Streams' Change pairs), a delete only subtracts.
   */
  groupBy<K2, V2>(selector: (key: K, value: V) => KeyValuePair<K2, V2>, options: TableGroupedOptions<K2, V2>): KGroupedTable<K2, V2> {
    return groupTable(this, selector, options)
  }

  /**
   * Holds updates back (Kafka Streams' suppress): `Suppressed.untilWindowCloses()` forwards one
   * final result per window of a windowed table, once its window closes;
   * `Suppressed.untilTimeLimit(limit)` forwards a key's latest value at most once per limit. The
   * buffer is a changelogged store, so it survives restarts; see BufferConfig for its bounds.
   */
  suppress(suppressed: Suppressed, options?: SuppressOptions): KTable<K, V> {
    return suppressTable(this, suppressed, options)
  }

  /**
   * Foreign-key join (Kafka Streams' KIP-213): each row of this table joins the row of `other`
   * whose key `foreignKeyExtractor` takes from its value; the result is keyed by this table's
   * key. The tables need not be co-partitioned: the join subscribes rows through internal topics.
   * A row whose foreign key changes leaves its old right row for the new one; a row deleted, or
   * whose foreign key is null, or whose right row is missing or deleted, has no result. See
   * ForeignKeyJoinedOptions.
   */
  join<KO, VO, VR>(
    other: KTable<KO, VO>,
    foreignKeyExtractor: (value: V, key: K) => KO | null | undefined,
    joiner: (value: V, otherValue: VO, key: K) => VR,
    options?: ForeignKeyJoinedOptions<KO, VR>,
  ): KTable<K, VR>
  /** Table-table inner join: a row for each key both tables hold, updated when either side changes. */
  join<VO, VR>(other: KTable<K, VO>, joiner: (value: V, otherValue: VO, key: K) => VR, options?: TableJoinedOptions<VR>): KTable<K, VR>
  join<KO, VO, VR>(other: KTable<KO, VO>, second: (...args: never[]) => unknown, third?: ((...args: never[]) => unknown) | TableJoinedOptions<VR>, fourth?: ForeignKeyJoinedOptions<KO, VR>): KTable<K, VR> {
    if (typeof third === 'function') {
      const joiner = third as (value: V, otherValue: VO | undefined, key: K) => VR
      return joinOnForeignKey(this, other, second as (value: V, key: K) => KO | null | undefined, joiner, 'inner', fourth)
    }
    const joiner = second as (value: V, otherValue: VO, key: K) => VR
    return joinTables(this, other as unknown as KTable<K, VO>, (value, otherValue, key) => joiner(value as V, otherValue as VO, key), 'inner', third)
  }

  /**
   * Foreign-key left join: as the foreign-key join(), but every row of this table has a result;
   * the other value is undefined while its foreign key is null or names no row of `other`.
   */
  leftJoin<KO, VO, VR>(
    other: KTable<KO, VO>,
    foreignKeyExtractor: (value: V, key: K) => KO | null | undefined,
    joiner: (value: V, otherValue: VO | undefined, key: K) => VR,
    options?: ForeignKeyJoinedOptions<KO, VR>,
  ): KTable<K, VR>
  /** Table-table left join: a row for each key this table holds; the other value is undefined while the other table has none. */
  leftJoin<VO, VR>(other: KTable<K, VO>, joiner: (value: V, otherValue: VO | undefined, key: K) => VR, options?: TableJoinedOptions<VR>): KTable<K, VR>
  leftJoin<KO, VO, VR>(other: KTable<KO, VO>, second: (...args: never[]) => unknown, third?: ((...args: never[]) => unknown) | TableJoinedOptions<VR>, fourth?: ForeignKeyJoinedOptions<KO, VR>): KTable<K, VR> {
    if (typeof third === 'function') {
      const joiner = third as (value: V, otherValue: VO | undefined, key: K) => VR
      return joinOnForeignKey(this, other, second as (value: V, key: K) => KO | null | undefined, joiner, 'left', fourth)
    }
    const joiner = second as (value: V, otherValue: VO | undefined, key: K) => VR
    return joinTables(this, other as unknown as KTable<K, VO>, (value, otherValue, key) => joiner(value as V, otherValue, key), 'left', third)
  }

  /** Table-table outer join: a row for each key either table holds; a missing side's value is undefined. */
  outerJoin<VO, VR>(other: KTable<K, VO>, joiner: (value: V | undefined, otherValue: VO | undefined, key: K) => VR, options?: TableJoinedOptions<VR>): KTable<K, VR> {
    return joinTables(this, other, joiner, 'outer', options)
  }
}
