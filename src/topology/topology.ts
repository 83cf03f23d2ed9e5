import { UnknownStoreError } from '../state/query/store-errors.js'
import type { StoreSpec } from '../state/store.js'
import { describeTopology } from './describe.js'
import type { GlobalStore } from './global-store.js'
import type { InternalTopic, SourceNode, TopologyNode } from './nodes.js'
import { topologyDot } from './topology-dot.js'
import { topologyMermaid } from './topology-mermaid.js'

/** A connected part of the graph; it runs as one task per partition of its source topics. */
export interface Subtopology {
  readonly id: number
  /** Sources first, then every node after all of its parents. */
  readonly nodes: readonly TopologyNode[]
  readonly sourceTopics: readonly string[]
  readonly sinkTopics: readonly string[]
  readonly stores: readonly StoreSpec[]
}

/**
 * A validated, immutable topology: what KafkaStreams and the test driver run. Built by
 * `TopologyBuilder.build()` or `defineTopology()`.
 */
export class Topology {
  private readonly subtopologyByTopic = new Map<string, Subtopology>()
  private readonly sourceByTopic = new Map<string, SourceNode>()

  constructor(
    readonly applicationId: string,
    readonly subtopologies: readonly Subtopology[],
    readonly stores: ReadonlyMap<string, StoreSpec>,
    readonly internalTopics: readonly InternalTopic[],
    /** Stores every instance holds whole, from a topic of their own (see GlobalStore); their specs are in `stores` too. */
    readonly globalStores: readonly GlobalStore[] = [],
  ) {
    for (const subtopology of subtopologies) {
      for (const topic of subtopology.sourceTopics) this.subtopologyByTopic.set(topic, subtopology)
      for (const node of subtopology.nodes) {
        if (node.kind === 'source') for (const topic of node.topics) this.sourceByTopic.set(topic, node)
      }
    }
  }

  /** The sub-topology that reads a topic, if any. */
  subtopologyOf(topic: string): Subtopology | undefined {
    return this.subtopologyByTopic.get(topic)
  }

  /** The global store of that name, if it is one. */
  globalStore(name: string): GlobalStore | undefined {
    return this.globalStores.find((global) => global.spec.name === name)
  }

  /** The global store kept from a topic, if any. */
  globalStoreOf(topic: string): GlobalStore | undefined {
    return this.globalStores.find((global) => global.topic === topic)
  }

  sourceOf(topic: string): SourceNode | undefined {
    return this.sourceByTopic.get(topic)
  }

  /** Topics read from outside the application (not repartition topics). */
  get externalSourceTopics(): string[] {
    const internal = new Set(this.internalTopics.map((topic) => topic.name))
    return [...this.subtopologyByTopic.keys()].filter((topic) => !internal.has(topic))
  }

  changelogTopicOf(storeName: string): string | undefined {
    return this.internalTopics.find((topic) => topic.kind === 'changelog' && topic.store === storeName)?.name
  }

  /** The declared store of that name, or an error listing the ones there are. */
  storeSpec(name: string): StoreSpec {
    const spec = this.stores.get(name)
    if (spec) return spec
    const known = [...this.stores.keys()]
    throw new UnknownStoreError(`application ${this.applicationId} has no store "${name}"; its stores: ${known.length > 0 ? known.join(', ') : 'none'}`)
  }

  /**
   * The topic a store's serdes see: its changelog, as in the running tasks (a global store's
   * is its source topic, as in Kafka Streams), else the store name.
   */
  storeSerdeTopic(storeName: string): string {
    return this.changelogTopicOf(storeName) ?? this.globalStore(storeName)?.topic ?? storeName
  }

  /** A stable text picture of the topology, like Kafka Streams' Topology#describe(). */
  describe(): string {
    return describeTopology(this)
  }

  /** The topology as a Graphviz dot digraph (render with `dot -Tsvg`). */
  toDot(): string {
    return topologyDot(this)
  }

  /** The topology as a Mermaid flowchart (renders in GitHub Markdown). */
  toMermaid(): string {
    return topologyMermaid(this)
  }
}
