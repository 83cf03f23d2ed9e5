import { TopologyError } from '../errors.js'
import type { ProcessorSupplier } from '../processor/processor.js'
import { eraseSerde, type Serde } from '../serde/serde.js'
import { MAX_NAME_LENGTH, unsafeNameReason } from '../state/state-names.js'
import type { AnyStoreSpec, StoreSpec } from '../state/store.js'
import type { GlobalStore } from './global-store.js'
import type { InternalTopic, Partitioner, ProcessorNode, SinkNode, SourceNode, TimestampExtractor, TopologyNode } from './nodes.js'
import { Topology, type Subtopology } from './topology.js'
import { withValueFreeRepartitions } from './value-free-repartitions.js'

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/


export interface SourceOptions<K, V> {
  key: Serde<K>
  value: Serde<V>
  timestamp?: TimestampExtractor<K, V>
}

export interface SinkOptions<K, V> {
  key: Serde<K>
  value: Serde<V>
  partitioner?: Partitioner<K, V>
}

function sourceNode<K, V>(name: string, topics: readonly string[], options: SourceOptions<K, V>): SourceNode {
  return {
    kind: 'source',
    name,
    topics,
    keySerde: eraseSerde(options.key),
    valueSerde: eraseSerde(options.value),
    timestampExtractor: options.timestamp as TimestampExtractor<unknown, unknown> | undefined,
  }
}

/**
 * The Processor API graph: sources, processors, sinks and stores by name. Nothing is checked
 * until build(), so nodes may be added in any order; build() reports every mistake it finds.
 */
export class TopologyBuilder {
  private readonly nodes = new Map<string, TopologyNode>()
  private readonly duplicateNames: string[] = []
  private readonly storeSpecs = new Map<string, StoreSpec>()
  private readonly storeConnections: { processor: string; store: string }[] = []
  private readonly repartitionTopics = new Set<string>()
  private readonly ignoringValues = new Set<string>()
  private readonly globalStores = new Map<string, Omit<GlobalStore, 'id'>>()

  constructor(readonly applicationId: string) {
    const problem = unsafeNameReason(applicationId, MAX_NAME_LENGTH)
    if (problem) throw new TopologyError(`applicationId "${applicationId}" ${problem}`)
  }

  addSource<K, V>(name: string, topics: string | readonly string[], options: SourceOptions<K, V>): this {
    return this.addNode(sourceNode(name, typeof topics === 'string' ? [topics] : [...topics], options))
  }

  addProcessor<KIn, VIn, KOut, VOut>(
    name: string,
    supplier: ProcessorSupplier<KIn, VIn, KOut, VOut>,
    ...parentNames: string[]
  ): this {
    const node: ProcessorNode = {
      kind: 'processor',
      name,
      parents: parentNames,
      supplier: supplier as unknown as ProcessorSupplier<unknown, unknown, unknown, unknown>,
      stores: [],
    }
    return this.addNode(node)
  }

  addSink<K, V>(name: string, topic: string, options: SinkOptions<K, V>, ...parentNames: string[]): this {
    const node: SinkNode = {
      kind: 'sink',
      name,
      parents: parentNames,
      topic,
      keySerde: eraseSerde(options.key),
      valueSerde: eraseSerde(options.value),
      partitioner: options.partitioner as Partitioner<unknown, unknown> | undefined,
    }
    return this.addNode(node)
  }

  /** Declares a store and connects it to the processors that use it. */
  addStateStore(spec: AnyStoreSpec, ...processorNames: string[]): this {
    if (this.storeSpecs.has(spec.name)) throw new TopologyError(`A state store named "${spec.name}" was already added`)
    this.storeSpecs.set(spec.name, spec as StoreSpec)
    return this.connectProcessorAndStateStores(processorNames, spec.name)
  }

  /**
   * Declares a global store (Kafka Streams' addGlobalStore): a key-value store of all of the
   * topic's partitions on every instance, read by processors connected to it (as any store),
   * written by the runtime alone from the topic, which is its changelog (so it has none).
   */
  addGlobalStore<K, V>(spec: StoreSpec<K, V>, sourceName: string, topic: string, options: SourceOptions<K, V>, processorName: string): this {
    if (this.hasStore(spec.name)) throw new TopologyError(`A state store named "${spec.name}" was already added`)
    if (spec.type !== 'keyValue') throw new TopologyError(`The global store "${spec.name}" must be a key-value store, not a ${spec.type} store`)
    const source = sourceNode(sourceName, [topic], options)
    this.globalStores.set(spec.name, { spec: { ...(spec as StoreSpec), logging: false }, source, topic, processorName })
    return this
  }

  connectProcessorAndStateStores(processorNames: string | readonly string[], ...storeNames: string[]): this {
    const processors = typeof processorNames === 'string' ? [processorNames] : processorNames
    for (const processor of processors) for (const store of storeNames) this.storeConnections.push({ processor, store })
    return this
  }

  /**
   * Declares `<applicationId>-<name>-repartition` as a topic the application owns; returns
   * the full name for a sink and a source to use.
   */
  addRepartitionTopic(name: string): string {
    const topic = `${this.applicationId}-${name}-repartition`
    if (this.repartitionTopics.has(topic)) throw new TopologyError(`The repartition topic "${topic}" is declared twice`)
    this.repartitionTopics.add(topic)
    return topic
  }

  /**
   * @internal Declares that the processor never reads record values (the DSL's counts), so that
   * a repartition topic read only by such processors can carry none.
   */
  markIgnoresValues(processorName: string): this {
    this.ignoringValues.add(processorName)
    return this
  }

  hasNode(name: string): boolean {
    return this.nodes.has(name)
  }

  hasStore(name: string): boolean {
    return this.storeSpecs.has(name) || this.globalStores.has(name)
  }

  build(): Topology {
    const errors = this.validate()
    if (errors.length > 0) throw new TopologyError(`Invalid topology "${this.applicationId}":\n  - ${errors.join('\n  - ')}`)
    const nodes = withValueFreeRepartitions(this.nodes, this.repartitionTopics, this.ignoringValues)
    for (const [name, node] of nodes) if (node.kind === 'sink' && this.repartitionTopics.has(node.topic)) nodes.set(name, { ...node, repartition: true })
    const subtopologies = this.splitSubtopologies(nodes)
    const globals: GlobalStore[] = [...this.globalStores.values()].map((global, index) => ({ ...global, id: subtopologies.length + index }))
    const stores = new Map<string, StoreSpec>([...this.storeSpecs, ...globals.map((global) => [global.spec.name, global.spec] as const)])
    return new Topology(this.applicationId, subtopologies, stores, this.internalTopics(), globals)
  }

  private addNode(node: TopologyNode): this {
    if (this.nodes.has(node.name)) this.duplicateNames.push(node.name)
    else this.nodes.set(node.name, node)
    return this
  }

  private validate(): string[] {
    const errors = this.duplicateNames.map((name) => `duplicate node name "${name}"`)
    for (const node of this.nodes.values()) {
      if (node.kind === 'source') {
        if (node.topics.length === 0) errors.push(`source "${node.name}" reads no topic`)
        for (const topic of node.topics) if (!TOPIC_NAME.test(topic)) errors.push(`source "${node.name}": invalid topic name "${topic}"`)
        continue
      }
      if (node.parents.length === 0) errors.push(`${node.kind} "${node.name}" has no parent`)
      for (const parent of node.parents) {
        const parentNode = this.nodes.get(parent)
        if (!parentNode) errors.push(`${node.kind} "${node.name}" names an unknown parent "${parent}"`)
        else if (parentNode.kind === 'sink') errors.push(`${node.kind} "${node.name}" has the sink "${parent}" as parent`)
      }
      if (node.kind === 'sink' && !TOPIC_NAME.test(node.topic)) errors.push(`sink "${node.name}": invalid topic name "${node.topic}"`)
    }
    const globalNodeNames = [...this.globalStores.values()].flatMap((global) => [global.source.name, global.processorName])
    for (const name of globalNodeNames) if (this.nodes.has(name) || globalNodeNames.indexOf(name) !== globalNodeNames.lastIndexOf(name)) errors.push(`duplicate node name "${name}"`)
    const streamTopics = new Set([...this.nodes.values()].flatMap((node) => (node.kind === 'source' ? node.topics : [])))
    for (const { topic, spec } of this.globalStores.values()) {
      if (!TOPIC_NAME.test(topic)) errors.push(`global store "${spec.name}": invalid topic name "${topic}"`)
      // Kafka Streams refuses it too: the group would own the topic's partitions and the global reader all of them.
      if (streamTopics.has(topic)) errors.push(`the topic "${topic}" of the global store "${spec.name}" is also read by a stream source`)
    }
    for (const { processor, store } of this.storeConnections) {
      const node = this.nodes.get(processor)
      if (!this.hasStore(store)) errors.push(`processor "${processor}" uses the store "${store}", which was never added`)
      if (!node) errors.push(`the store "${store}" is attached to an unknown processor "${processor}"`)
      else if (node.kind !== 'processor') errors.push(`the store "${store}" is attached to ${node.kind} "${processor}"; only processors hold stores`)
    }
    for (const spec of [...this.storeSpecs.values(), ...[...this.globalStores.values()].map((global) => global.spec)]) {
      // A store name is part of its directory and of its changelog topic's name.
      const problem = unsafeNameReason(spec.name, MAX_NAME_LENGTH)
      if (problem) {
        errors.push(`invalid store name "${spec.name}": it ${problem}`)
      } else if (spec.logging && !TOPIC_NAME.test(`${this.applicationId}-${spec.name}-changelog`)) {
        errors.push(`the store "${spec.name}" has a changelog topic name longer than 249 characters`)
      }
    }
    const attached = new Set(this.storeConnections.map((connection) => connection.store))
    for (const store of this.storeSpecs.keys()) if (!attached.has(store)) errors.push(`the store "${store}" is not attached to any processor`)
    const cycle = this.findCycle()
    if (cycle) errors.push(`cycle: ${cycle.join(' -> ')}`)
    return errors
  }

  private findCycle(): string[] | undefined {
    const state = new Map<string, 'visiting' | 'done'>()
    const path: string[] = []
    const visit = (name: string): string[] | undefined => {
      if (state.get(name) === 'done') return undefined
      if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name]
      state.set(name, 'visiting')
      path.push(name)
      const node = this.nodes.get(name)
      for (const parent of node && node.kind !== 'source' ? node.parents : []) {
        const cycle = visit(parent)
        if (cycle) return cycle
      }
      path.pop()
      state.set(name, 'done')
      return undefined
    }
    for (const name of this.nodes.keys()) {
      const cycle = visit(name)
      if (cycle) return cycle.reverse()
    }
    return undefined
  }

  /** Nodes joined by parent edges or a shared store form one sub-topology; topics do not join. */
  private splitSubtopologies(nodes: ReadonlyMap<string, TopologyNode>): Subtopology[] {
    const root = new Map<string, string>()
    const find = (name: string): string => {
      let current = name
      while (root.get(current) !== current) current = root.get(current) as string
      root.set(name, current)
      return current
    }
    const union = (a: string, b: string): void => {
      root.set(find(a), find(b))
    }
    for (const name of nodes.keys()) root.set(name, name)
    for (const node of nodes.values()) if (node.kind !== 'source') for (const parent of node.parents) union(node.name, parent)
    const firstUser = new Map<string, string>()
    // A global store joins nothing: every task reads the one instance, whatever its partition.
    const taskStores = this.storeConnections.filter((connection) => !this.globalStores.has(connection.store))
    for (const { processor, store } of taskStores) {
      const other = firstUser.get(store)
      if (other) union(processor, other)
      else firstUser.set(store, processor)
    }

    const groups = new Map<string, TopologyNode[]>()
    for (const node of nodes.values()) {
      const group = find(node.name)
      groups.set(group, [...(groups.get(group) ?? []), node])
    }
    return [...groups.values()].map((members, id) => {
      const names = new Set(members.map((node) => node.name))
      const stores = [...new Set(taskStores.filter((c) => names.has(c.processor)).map((c) => c.store))]
      const ordered = this.topologicalOrder(members, nodes).map((node) =>
        node.kind === 'processor' ? { ...node, stores: this.storeConnections.filter((c) => c.processor === node.name).map((c) => c.store) } : node,
      )
      return {
        id,
        nodes: ordered,
        sourceTopics: ordered.flatMap((node) => (node.kind === 'source' ? node.topics : [])),
        sinkTopics: [...new Set(ordered.flatMap((node) => (node.kind === 'sink' ? [node.topic] : [])))],
        stores: stores.map((store) => this.storeSpecs.get(store) as StoreSpec),
      }
    })
  }

  /** Insertion order, except that a node always follows all of its parents. */
  private topologicalOrder(members: TopologyNode[], nodes: ReadonlyMap<string, TopologyNode>): TopologyNode[] {
    const placed = new Set<string>()
    const ordered: TopologyNode[] = []
    const place = (node: TopologyNode): void => {
      if (placed.has(node.name)) return
      placed.add(node.name)
      if (node.kind !== 'source') for (const parent of node.parents) place(nodes.get(parent) as TopologyNode)
      ordered.push(node)
    }
    for (const node of members) if (node.kind === 'source') place(node)
    for (const node of members) place(node)
    return ordered
  }

  private internalTopics(): InternalTopic[] {
    const repartitions: InternalTopic[] = [...this.repartitionTopics].map((name) => ({ name, kind: 'repartition' }))
    const changelogs: InternalTopic[] = [...this.storeSpecs.values()]
      .filter((spec) => spec.logging)
      .map((spec) => ({ name: `${this.applicationId}-${spec.name}-changelog`, kind: 'changelog', store: spec.name, windowed: spec.type === 'window' || spec.type === 'session' }))
    return [...repartitions, ...changelogs]
  }
}
