import { TopologyError } from '../errors.js'
import type { Serde } from '../serde/serde.js'
import type { BackendKind } from '../state/backend.js'
import type { TimestampExtractor } from '../topology/nodes.js'
import { TopologyBuilder } from '../topology/topology-builder.js'
import type { Topology } from '../topology/topology.js'
import { tableSourceProcessor } from './processors/table-source.js'
import { KStream } from './kstream.js'
import { KTable } from './ktable.js'
import { GlobalKTable } from './global-ktable.js'
import { nullableSerde } from '../serde/nullable.js'

export interface StreamOptions<K, V> {
  key: Serde<K>
  value: Serde<V>
  /** Event time of a record (default: the record's timestamp). */
  timestamp?: TimestampExtractor<K, V>
  /** Name of the source node. */
  name?: string
}

export interface TableOptions<K, V> extends StreamOptions<K, V> {
  /** Name of the store that materializes the table (default `<topic>-table`). */
  store?: string
  backend?: BackendKind
}

export interface GlobalTableOptions<K, V> {
  key: Serde<K>
  value: Serde<V>
  /** Name of the global store (default `<topic>-global`). */
  store?: string
  backend?: BackendKind
  /** Name of the source node. */
  name?: string
}

/**
 * The DSL's entry point. Generated names of stores and internal topics derive from the topics
 * and operations that lead to them, not from a global counter, so that adding an operator
 * elsewhere never renames an existing store or topic (which would orphan its data).
 */
export class StreamsBuilder {
  /** @internal The Processor API graph the DSL compiles to. */
  readonly graph: TopologyBuilder
  private nodeCount = 0
  private readonly generatedNames = new Set<string>()

  constructor(readonly applicationId: string) {
    this.graph = new TopologyBuilder(applicationId)
  }

  stream<K, V>(topics: string | readonly string[], options: StreamOptions<K, V>): KStream<K, V> {
    const list = typeof topics === 'string' ? [topics] : [...topics]
    const name = this.nodeName('source', options.name)
    this.graph.addSource(name, list, options)
    return new KStream<K, V>(this, name, list.join('+'), options.key, options.value, false)
  }

  table<K, V>(topic: string, options: TableOptions<K, V>): KTable<K, V> {
    const source = this.nodeName('table-source', options.name)
    // A null value is a delete whatever the serde would make of it (the string serde reads ''):
    // the table processor below deletes the key. (A timestamp extractor sees null there too.)
    this.graph.addSource(source, topic, { ...options, value: options.value && (nullableSerde(options.value) as Serde<V>) })
    const store = this.storeName(`${topic}-table`, options.store)
    const node = this.nodeName('table')
    this.graph.addProcessor(node, tableSourceProcessor<K, V>(store), source)
    this.graph.addStateStore({ name: store, type: 'keyValue', keySerde: options.key, valueSerde: options.value, logging: true, backend: options.backend }, node)
    return new KTable<K, V>(this, node, topic, options.key, options.value, store)
  }

  /**
   * A global table of the topic (see GlobalKTable): every instance holds all of its partitions
   * in a store of its own, read to the end before processing starts; a null value deletes the
   * key. The topic is its changelog: it gets none, and it is best compacted.
   */
  globalTable<K, V>(topic: string, options: GlobalTableOptions<K, V>): GlobalKTable<K, V> {
    const source = this.nodeName('global-source', options.name)
    const node = this.nodeName('global-table')
    const store = this.storeName(`${topic}-global`, options.store)
    const spec = { name: store, type: 'keyValue' as const, keySerde: options.key, valueSerde: options.value, logging: false, backend: options.backend }
    this.graph.addGlobalStore(spec, source, topic, { key: options.key, value: nullableSerde(options.value) as Serde<V> }, node)
    return new GlobalKTable<K, V>(topic, options.key, options.value, store)
  }

  build(): Topology {
    return this.graph.build()
  }

  /** @internal A node name: the user's, or `<kind>-<n>`. */
  nodeName(kind: string, given?: string): string {
    this.nodeCount++
    return given ?? `${kind}-${this.nodeCount}`
  }

  /** @internal A store name: the user's (which must be unique), or a lineage-derived one. */
  storeName(generatedBase: string, given?: string): string {
    if (given !== undefined) {
      if (this.graph.hasStore(given)) throw new TopologyError(`A store named "${given}" already exists`)
      return given
    }
    return this.uniqueGenerated(generatedBase)
  }

  /** @internal The name part of `<applicationId>-<name>-repartition`. */
  repartitionName(generatedBase: string, given?: string): string {
    return given ?? this.uniqueGenerated(generatedBase)
  }

  private uniqueGenerated(lineage: string): string {
    // Lineages join topics with '+' (merge, multi-topic sources) and hold branch names: keep
    // generated names usable in topic names and paths. Valid names are left as they are.
    const base = lineage.replace(/[^a-zA-Z0-9._-]/g, '_')
    let name = base
    for (let n = 2; this.generatedNames.has(name) || this.graph.hasStore(name); n++) name = `${base}-${n}`
    this.generatedNames.add(name)
    return name
  }
}

export interface TopologyConfig {
  /** Names the consumer group and prefixes internal topics and the state directory. */
  applicationId: string
}

/** Defines a topology with the DSL: `export default defineTopology({ applicationId }, (b) => { ... })`. */
export function defineTopology(config: TopologyConfig, define: (builder: StreamsBuilder) => void): Topology {
  const builder = new StreamsBuilder(config.applicationId)
  define(builder)
  return builder.build()
}
