import type { Topology } from './topology.js'

/** What a box in a topology picture stands for; renderers pick a shape per kind. */
export type PictureNodeKind = 'source' | 'processor' | 'sink' | 'store' | 'topic'

export interface PictureNode {
  /** An identifier safe in dot and Mermaid (node names may hold any character). */
  readonly id: string
  readonly kind: PictureNodeKind
  readonly label: string
}

export interface PictureEdge {
  readonly from: string
  readonly to: string
  /** `data`: records flow; `store`: a processor reads and writes a store. */
  readonly kind: 'data' | 'store'
}

export interface PictureCluster {
  readonly label: string
  readonly nodes: readonly PictureNode[]
}

/** The graph both pictures draw: one cluster per sub-topology, topics outside (they link clusters). */
export interface TopologyPicture {
  readonly title: string
  readonly clusters: readonly PictureCluster[]
  readonly topics: readonly PictureNode[]
  readonly edges: readonly PictureEdge[]
}

/** Builds the renderer-neutral picture of a topology: nodes, stores, topics and their edges. */
export function topologyPicture(topology: Topology): TopologyPicture {
  const ids = new Map<string, string>()
  const idOf = (prefix: string, name: string): string => {
    const key = `${prefix}:${name}`
    let id = ids.get(key)
    if (id === undefined) {
      id = `${prefix}${ids.size}`
      ids.set(key, id)
    }
    return id
  }
  const topics = new Map<string, PictureNode>()
  const topicNode = (name: string): string => {
    const id = idOf('topic', name)
    if (!topics.has(name)) topics.set(name, { id, kind: 'topic', label: name })
    return id
  }
  const edges: PictureEdge[] = []
  const clusters: PictureCluster[] = []
  for (const subtopology of topology.subtopologies) {
    const nodes: PictureNode[] = []
    for (const node of subtopology.nodes) {
      const id = idOf('node', node.name)
      nodes.push({ id, kind: node.kind, label: node.name })
      if (node.kind === 'source') {
        for (const topic of node.topics) edges.push({ from: topicNode(topic), to: id, kind: 'data' })
        continue
      }
      for (const parent of node.parents) edges.push({ from: idOf('node', parent), to: id, kind: 'data' })
      if (node.kind === 'sink') edges.push({ from: id, to: topicNode(node.topic), kind: 'data' })
      else for (const store of node.stores) edges.push({ from: id, to: idOf('store', store), kind: 'store' })
    }
    for (const store of subtopology.stores) nodes.push({ id: idOf('store', store.name), kind: 'store', label: `${store.name} (${store.type})` })
    clusters.push({ label: `Sub-topology ${subtopology.id}`, nodes })
  }
  for (const global of topology.globalStores) {
    const source = idOf('node', global.source.name)
    const processor = idOf('node', global.processorName)
    const store = idOf('store', global.spec.name)
    edges.push({ from: topicNode(global.topic), to: source, kind: 'data' }, { from: source, to: processor, kind: 'data' }, { from: processor, to: store, kind: 'store' })
    clusters.push({
      label: `Sub-topology ${global.id} (global store)`,
      nodes: [
        { id: source, kind: 'source', label: global.source.name },
        { id: processor, kind: 'processor', label: global.processorName },
        { id: store, kind: 'store', label: `${global.spec.name} (global ${global.spec.type})` },
      ],
    })
  }
  return { title: topology.applicationId, clusters, topics: [...topics.values()], edges }
}
