import { TopologyError } from '../errors.js'
import type { FixedKeyProcessorSupplier } from '../processor/fixed-key-processor.js'
import type { ProcessorSupplier } from '../processor/processor.js'
import { Record } from '../processor/record.js'
import { toMillis, type Duration } from '../base/duration.js'
import { longSerde } from '../serde/numbers.js'
import type { Serde } from '../serde/serde.js'
import { stringSerde } from '../serde/string.js'
import { Stores } from '../state/stores.js'
import type { AnyStoreSpec } from '../state/store.js'
import type { Partitioner } from '../topology/nodes.js'
import { BranchedKStream } from './branched-kstream.js'
import type { JoinWindows } from './join-windows.js'
import { KGroupedStream } from './kgrouped-stream.js'
import type { KTable } from './ktable.js'
import { GlobalKTable } from './global-ktable.js'
import { deduplicateProcessor, type IdExtractor } from './processors/deduplicate.js'
import { processValuesProcessor } from './processors/process-values.js'
import { statelessProcessor } from './processors/stateless.js'
import { streamTableJoinProcessor } from './processors/stream-table-join.js'
import { joinStreams, type StreamJoinedOptions } from './stream-stream-join.js'
import { tableValueGetter } from './table-operations.js'
import { storeValueGetter, type TableValueGetter } from './table-value-getter.js'
import type { StreamsBuilder } from './streams-builder.js'

export interface Named {
  /** Name of the processor node this operation adds. */
  name?: string
}

export interface GroupedOptions<K, V> extends Named {
  key?: Serde<K>
  value?: Serde<V>
  /** Names the repartition topic `<applicationId>-<repartition>-repartition`. */
  repartition?: string
}

export interface ToOptions<K, V> extends Named {
  key?: Serde<K>
  value?: Serde<V>
  partitioner?: Partitioner<K, V>
}

export interface ProcessOptions extends Named {
  /** Stores the processor uses: new ones as specs (see `Stores`), existing ones by name. */
  stores?: readonly (AnyStoreSpec | string)[]
}

export interface DeduplicateOptions extends Named {
  /** How long an id is remembered, in event time behind the stream time. */
  retention: Duration
  /** Name of the store of seen ids (changelogged like every store). */
  store?: string
}

/** A global table of any types, for the join overloads' implementation (serdes make GlobalKTable invariant). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyGlobalKTable = GlobalKTable<any, any>

/** A key-value pair as returned by map / flatMap. */
export type KeyValuePair<K, V> = readonly [K, V]

/** An unbounded stream of records; every operation returns a new stream. */
export class KStream<K, V> {
  /** @internal */
  constructor(
    readonly builder: StreamsBuilder,
    /** @internal The node whose output this stream is. */
    readonly node: string,
    /** @internal Topics and operations leading here, for stable generated names. */
    readonly lineage: string,
    readonly keySerde: Serde<K> | undefined,
    readonly valueSerde: Serde<V> | undefined,
    /** @internal True once an operation may have changed keys: grouping or joining then repartitions. */
    readonly keyChanged: boolean,
  ) {}

  filter(predicate: (key: K, value: V) => boolean, options: Named = {}): KStream<K, V> {
    return this.stateless('filter', options, (record) => (predicate(record.key, record.value) ? [record] : []), this.keySerde, this.valueSerde, false)
  }

  filterNot(predicate: (key: K, value: V) => boolean, options: Named = {}): KStream<K, V> {
    return this.filter((key, value) => !predicate(key, value), options)
  }

  map<K2, V2>(mapper: (key: K, value: V) => KeyValuePair<K2, V2>, options: Named = {}): KStream<K2, V2> {
    return this.stateless(
      'map',
      options,
      (record) => {
        const [key, value] = mapper(record.key, record.value)
        return [new Record(key, value, record.timestamp, record.headers)]
      },
      undefined,
      undefined,
      true,
    )
  }

  mapValues<V2>(mapper: (value: V, key: K) => V2, options: Named = {}): KStream<K, V2> {
    return this.stateless('map-values', options, (record) => [record.withValue(mapper(record.value, record.key))], this.keySerde, undefined, false)
  }

  flatMap<K2, V2>(mapper: (key: K, value: V) => Iterable<KeyValuePair<K2, V2>>, options: Named = {}): KStream<K2, V2> {
    return this.stateless(
      'flat-map',
      options,
      (record) => [...mapper(record.key, record.value)].map(([key, value]) => new Record(key, value, record.timestamp, record.headers)),
      undefined,
      undefined,
      true,
    )
  }

  flatMapValues<V2>(mapper: (value: V, key: K) => Iterable<V2>, options: Named = {}): KStream<K, V2> {
    return this.stateless('flat-map-values', options, (record) => [...mapper(record.value, record.key)].map((value) => record.withValue(value)), this.keySerde, undefined, false)
  }

  selectKey<K2>(selector: (key: K, value: V) => K2, options: Named = {}): KStream<K2, V> {
    return this.stateless('select-key', options, (record) => [record.withKey(selector(record.key, record.value))], undefined, this.valueSerde, true)
  }

  peek(action: (key: K, value: V) => void, options: Named = {}): KStream<K, V> {
    return this.stateless(
      'peek',
      options,
      (record) => {
        action(record.key, record.value)
        return [record]
      },
      this.keySerde,
      this.valueSerde,
      false,
    )
  }

  merge(other: KStream<K, V>, options: Named = {}): KStream<K, V> {
    const name = this.builder.nodeName('merge', options.name)
    this.builder.graph.addProcessor(name, statelessProcessor<K, V, K, V>((record) => [record]), this.node, other.node)
    return new KStream(this.builder, name, `${this.lineage}+${other.lineage}`, this.keySerde ?? other.keySerde, this.valueSerde ?? other.valueSerde, this.keyChanged || other.keyChanged)
  }

  /** Routes each record to the first branch whose predicate matches. */
  split(options: Named = {}): BranchedKStream<K, V> {
    return new BranchedKStream(this, this.builder.nodeName('split', options.name))
  }

  /**
   * Runs a custom processor (Processor API) with the stores it declares. It may forward records
   * with any key, so a grouping or join after it repartitions first (see processValues).
   */
  process<K2, V2>(supplier: ProcessorSupplier<K, V, K2, V2>, options: ProcessOptions = {}): KStream<K2, V2> {
    const name = this.addCustomProcessor('process', () => supplier, options)
    return new KStream<K2, V2>(this.builder, name, this.lineage, undefined, undefined, true)
  }

  /**
   * Runs a custom processor that may change values, timestamps and headers but not keys (Kafka
   * Streams' processValues): it receives FixedKeyRecords, which have no withKey, and forwards
   * `record.withValue(...)`; forwarding anything else fails, naming the node. Keys stay as
   * they came, so, unlike after process(), a grouping or join after it repartitions only if
   * an earlier operation changed keys.
   */
  processValues<VOut>(supplier: FixedKeyProcessorSupplier<K, V, VOut>, options: ProcessOptions = {}): KStream<K, VOut> {
    const name = this.addCustomProcessor('process-values', (node) => processValuesProcessor(node, supplier), options)
    return new KStream<K, VOut>(this.builder, name, this.lineage, this.keySerde, undefined, this.keyChanged)
  }

  /**
   * Drops records seen before: a record whose id (`idOf`) came already with the same timestamp
   * within the retention, as a source that delivers at least once (Debezium after a connector
   * restart) sends it again. Dropped records are counted (`duplicatesDropped`,
   * `sluice_duplicates_dropped_total`). The ids are kept per task, so all records of one id must
   * come through one partition: deduplicate before anything re-keys the stream (Debezium keys
   * its topics by the row's primary key). Under exactly-once the seen ids and the results
   * commit together, so a copy is dropped even across a crash.
   */
  deduplicate(idOf: IdExtractor<K, V>, options: DeduplicateOptions): KStream<K, V> {
    const name = this.builder.nodeName('deduplicate', options.name)
    const retentionMs = toMillis(options.retention)
    if (!(retentionMs > 0)) throw new TopologyError(`deduplicate on "${this.lineage}": retention must be more than 0 ms`)
    const store = this.builder.storeName(`${this.lineage}-seen-ids`, options.store)
    this.builder.graph.addProcessor(name, deduplicateProcessor(store, idOf), this.node)
    this.builder.graph.addStateStore(Stores.window(store, { key: stringSerde(), value: longSerde(), windowSize: 1, retention: retentionMs }), name)
    return new KStream(this.builder, name, this.lineage, this.keySerde, this.valueSerde, this.keyChanged)
  }

  /**
   * Writes the stream through an internal topic (`<applicationId>-<repartition>-repartition`,
   * created and purged by Sluice), partitioned by the current key, and reads it back: what
   * follows sees each key's records on one partition, in the order they were written.
   * As Kafka Streams' `repartition()`.
   */
  repartition(options: GroupedOptions<K, V> = {}): KStream<K, V> {
    const keySerde = options.key ?? this.keySerde
    if (!keySerde) throw new TopologyError(`repartition on "${this.lineage}" needs a key serde: pass { key: ... }`)
    return this.throughRepartitionTopic(`${this.lineage}-repartition`, keySerde, options.value ?? this.valueSerde, options, 'repartition')
  }

  /** Groups by the current key; repartitions first if an earlier operation may have changed keys. */
  groupByKey(options: GroupedOptions<K, V> = {}): KGroupedStream<K, V> {
    const keySerde = options.key ?? this.keySerde
    if (!keySerde) throw new TopologyError(`groupByKey() after a key-changing operation on "${this.lineage}" needs a key serde: groupByKey({ key: ... })`)
    const valueSerde = options.value ?? this.valueSerde
    if (!this.keyChanged) return new KGroupedStream(this.builder, this.node, this.lineage, keySerde, valueSerde)
    const repartitioned = this.throughRepartitionTopic(`${this.lineage}-group-by-key`, keySerde, valueSerde, options, 'group-by-key')
    return new KGroupedStream(this.builder, repartitioned.node, repartitioned.lineage, keySerde, valueSerde)
  }

  /** Groups by a new key; always writes through a repartition topic. */
  groupBy<K2>(selector: (key: K, value: V) => K2, options: GroupedOptions<K2, V> & { key: Serde<K2> }): KGroupedStream<K2, V> {
    const rekeyed = this.selectKey(selector, { name: options.name })
    const valueSerde = options.value ?? this.valueSerde
    const repartitioned = rekeyed.throughRepartitionTopic(`${this.lineage}-group-by`, options.key, valueSerde, options, 'group-by')
    return new KGroupedStream(this.builder, repartitioned.node, repartitioned.lineage, options.key, valueSerde)
  }

  /** Joins each record with the table's value for its key; records without one are not emitted. */
  join<VT, VR>(table: KTable<K, VT>, joiner: (value: V, tableValue: VT, key: K) => VR, options?: GroupedOptions<K, V>): KStream<K, VR>
  /** Joins records of the same key from both streams whose timestamps lie within the join windows (see JoinWindows). */
  join<VO, VR>(other: KStream<K, VO>, joiner: (value: V, otherValue: VO, key: K) => VR, windows: JoinWindows, options?: StreamJoinedOptions<K, V, VO>): KStream<K, VR>
  /**
   * Joins each record with the global table's value for the key `keySelector` computes from the
   * record (Kafka Streams' KStream#join(GlobalKTable, KeyValueMapper, ValueJoiner)): no
   * repartitioning, the stream's key stays. Records whose computed key is null or undefined, or
   * has no table value, are not emitted.
   */
  join<KG, VG, VR>(
    globalTable: GlobalKTable<KG, VG>,
    keySelector: (key: K, value: V) => KG | null | undefined,
    joiner: (value: V, globalValue: VG, key: K) => VR,
    options?: Named,
  ): KStream<K, VR>
  join<VO, VR>(
    other: KTable<K, VO> | KStream<K, VO> | AnyGlobalKTable,
    joiner: ((value: V, otherValue: VO, key: K) => VR) | ((key: K, value: V) => unknown),
    windowsOrOptions?: JoinWindows | GroupedOptions<K, V> | ((value: V, otherValue: VO, key: K) => VR),
    options?: StreamJoinedOptions<K, V, VO> | Named,
  ): KStream<K, VR> {
    if (other instanceof GlobalKTable) {
      const globalJoiner = windowsOrOptions as (value: V, globalValue: VO, key: K) => VR
      return this.joinGlobal(other, joiner as (key: K, value: V) => unknown, (value, globalValue: VO | undefined, key) => globalJoiner(value, globalValue as VO, key), 'inner', options as Named | undefined)
    }
    const valueJoiner = joiner as (value: V, otherValue: VO, key: K) => VR
    if (other instanceof KStream) return joinStreams(this, other, (value, otherValue, key) => valueJoiner(value as V, otherValue as VO, key), windowsOrOptions as JoinWindows, 'inner', options as StreamJoinedOptions<K, V, VO>)
    return this.joinTable(other, (value, tableValue, key) => valueJoiner(value, tableValue as VO, key), 'inner', (windowsOrOptions ?? {}) as GroupedOptions<K, V>)
  }

  /** Joins each record with the table's value for its key, or undefined when it has none. */
  leftJoin<VT, VR>(table: KTable<K, VT>, joiner: (value: V, tableValue: VT | undefined, key: K) => VR, options?: GroupedOptions<K, V>): KStream<K, VR>
  /**
   * Joins as join() does; a record of this stream that joined nothing is emitted once with
   * undefined for the other value, when its window has closed (stream time past t + after + grace).
   */
  leftJoin<VO, VR>(other: KStream<K, VO>, joiner: (value: V, otherValue: VO | undefined, key: K) => VR, windows: JoinWindows, options?: StreamJoinedOptions<K, V, VO>): KStream<K, VR>
  /**
   * Joins each record with the global table's value for the key `keySelector` computes from
   * the record, or undefined when it has none (a null or undefined computed key included); see join().
   */
  leftJoin<KG, VG, VR>(
    globalTable: GlobalKTable<KG, VG>,
    keySelector: (key: K, value: V) => KG | null | undefined,
    joiner: (value: V, globalValue: VG | undefined, key: K) => VR,
    options?: Named,
  ): KStream<K, VR>
  leftJoin<VO, VR>(
    other: KTable<K, VO> | KStream<K, VO> | AnyGlobalKTable,
    joiner: ((value: V, otherValue: VO | undefined, key: K) => VR) | ((key: K, value: V) => unknown),
    windowsOrOptions?: JoinWindows | GroupedOptions<K, V> | ((value: V, otherValue: VO | undefined, key: K) => VR),
    options?: StreamJoinedOptions<K, V, VO> | Named,
  ): KStream<K, VR> {
    if (other instanceof GlobalKTable) {
      return this.joinGlobal(other, joiner as (key: K, value: V) => unknown, windowsOrOptions as (value: V, globalValue: VO | undefined, key: K) => VR, 'left', options as Named | undefined)
    }
    const valueJoiner = joiner as (value: V, otherValue: VO | undefined, key: K) => VR
    if (other instanceof KStream) return joinStreams(this, other, (value, otherValue, key) => valueJoiner(value as V, otherValue, key), windowsOrOptions as JoinWindows, 'left', options as StreamJoinedOptions<K, V, VO>)
    return this.joinTable(other, valueJoiner, 'left', (windowsOrOptions ?? {}) as GroupedOptions<K, V>)
  }

  /**
   * Joins as join() does; a record of either stream that joined nothing is emitted once with
   * undefined for the missing value, when its window has closed (see JoinWindows).
   */
  outerJoin<VO, VR>(other: KStream<K, VO>, joiner: (value: V | undefined, otherValue: VO | undefined, key: K) => VR, windows: JoinWindows, options?: StreamJoinedOptions<K, V, VO>): KStream<K, VR> {
    return joinStreams(this, other, joiner, windows, 'outer', options)
  }

  to(topic: string, options: ToOptions<K, V> = {}): void {
    const key = options.key ?? this.keySerde
    const value = options.value ?? this.valueSerde
    if (!key || !value) throw new TopologyError(`to("${topic}") needs ${!key ? 'a key' : 'a value'} serde: the stream's serdes are unknown after "${this.node}"`)
    this.builder.graph.addSink(this.builder.nodeName('sink', options.name), topic, { key, value, partitioner: options.partitioner }, this.node)
  }

  /** @internal */
  stateless<K2, V2>(
    kind: string,
    options: Named,
    transform: (record: Record<K, V>) => Iterable<Record<K2, V2>>,
    keySerde: Serde<K2> | undefined,
    valueSerde: Serde<V2> | undefined,
    keyChanges: boolean,
  ): KStream<K2, V2> {
    const name = this.builder.nodeName(kind, options.name)
    this.builder.graph.addProcessor(name, statelessProcessor(transform), this.node)
    return new KStream(this.builder, name, this.lineage, keySerde, valueSerde, this.keyChanged || keyChanges)
  }

  /** Adds a user's processor node with the stores it declares (new ones as specs, existing ones by name). */
  private addCustomProcessor<K2, V2>(kind: string, supplierFor: (node: string) => ProcessorSupplier<K, V, K2, V2>, options: ProcessOptions): string {
    const name = this.builder.nodeName(kind, options.name)
    this.builder.graph.addProcessor(name, supplierFor(name), this.node)
    for (const store of options.stores ?? []) {
      if (typeof store === 'string') this.builder.graph.connectProcessorAndStateStores(name, store)
      else this.builder.graph.addStateStore(store, name)
    }
    return name
  }

  private throughRepartitionTopic(generatedBase: string, keySerde: Serde<K>, valueSerde: Serde<V> | undefined, options: GroupedOptions<K, V> | GroupedOptions<unknown, V>, operation: string): KStream<K, V> {
    if (!valueSerde) throw new TopologyError(`${operation} on "${this.lineage}" repartitions and needs a value serde: pass { value: ... }`)
    const name = this.builder.repartitionName(generatedBase, options.repartition)
    const topic = this.builder.graph.addRepartitionTopic(name)
    const sink = this.builder.nodeName(`${operation}-repartition-sink`)
    const source = this.builder.nodeName(`${operation}-repartition-source`)
    this.builder.graph.addSink(sink, topic, { key: keySerde, value: valueSerde }, this.node)
    this.builder.graph.addSource(source, topic, { key: keySerde, value: valueSerde })
    return new KStream(this.builder, source, name, keySerde, valueSerde, false)
  }

  private repartitionForJoin<VT>(table: KTable<K, VT>, options: GroupedOptions<K, V>): KStream<K, V> {
    const keySerde = options.key ?? this.keySerde ?? table.keySerde
    if (!keySerde) throw new TopologyError(`join on "${this.lineage}" repartitions and needs a key serde: pass { key: ... }`)
    return this.throughRepartitionTopic(`${this.lineage}-join`, keySerde, options.value ?? this.valueSerde, options, 'join')
  }

  private joinTable<VT, VR>(table: KTable<K, VT>, joiner: (value: V, tableValue: VT | undefined, key: K) => VR, kind: 'inner' | 'left', options: GroupedOptions<K, V>): KStream<K, VR> {
    const getter = tableValueGetter(table)
    if (!getter) throw new TopologyError(`The table joined with "${this.lineage}" is not materialized in a store`)
    const stream = this.keyChanged ? this.repartitionForJoin(table, options) : this
    const name = this.builder.nodeName(kind === 'inner' ? 'join' : 'left-join', options.name)
    this.builder.graph.addProcessor(name, streamTableJoinProcessor(getter, joiner, kind, (key) => key), stream.node)
    this.builder.graph.connectProcessorAndStateStores(name, ...new Set(getter.stores))
    return new KStream<K, VR>(this.builder, name, stream.lineage, stream.keySerde, undefined, false)
  }

  /** Stream-global table join: the table is whole on every instance, so the stream stays where it is, keys changed or not. */
  private joinGlobal<KG, VG, VR>(
    table: GlobalKTable<KG, VG>,
    keySelector: (key: K, value: V) => unknown,
    joiner: (value: V, globalValue: VG | undefined, key: K) => VR,
    kind: 'inner' | 'left',
    options: Named = {},
  ): KStream<K, VR> {
    const getter: TableValueGetter<KG, VG> = storeValueGetter(table.storeName)
    const name = this.builder.nodeName(kind === 'inner' ? 'global-join' : 'global-left-join', options.name)
    this.builder.graph.addProcessor(name, streamTableJoinProcessor(getter, joiner, kind, keySelector as (key: K, value: V) => KG | null | undefined), this.node)
    this.builder.graph.connectProcessorAndStateStores(name, table.storeName)
    return new KStream<K, VR>(this.builder, name, this.lineage, this.keySerde, undefined, this.keyChanged)
  }
}
