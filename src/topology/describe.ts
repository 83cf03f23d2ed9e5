import type { Topology } from './topology.js'

/** Renders sub-topologies, nodes, stores and internal topics; stable for the same topology. */
export function describeTopology(topology: Topology): string {
  const lines = [`Topology: ${topology.applicationId}`]
  for (const subtopology of topology.subtopologies) {
    lines.push(`  Sub-topology: ${subtopology.id}`)
    const children = new Map<string, string[]>()
    for (const node of subtopology.nodes) {
      if (node.kind === 'source') continue
      for (const parent of node.parents) children.set(parent, [...(children.get(parent) ?? []), node.name])
    }
    for (const node of subtopology.nodes) {
      if (node.kind === 'source') {
        lines.push(`    Source: ${node.name} (topics: [${node.topics.join(', ')}])`)
      } else if (node.kind === 'processor') {
        lines.push(`    Processor: ${node.name} (stores: [${node.stores.join(', ')}])`)
      } else {
        lines.push(`    Sink: ${node.name} (topic: ${node.topic})`)
      }
      const next = children.get(node.name)
      if (next) lines.push(`      --> ${next.join(', ')}`)
      if (node.kind !== 'source') lines.push(`      <-- ${node.parents.join(', ')}`)
    }
  }
  // After the task sub-topologies, whose numbers (and so task ids and state directories) a global table must not move.
  for (const global of topology.globalStores) {
    lines.push(`  Sub-topology: ${global.id} for global store (will not generate tasks)`)
    lines.push(`    Source: ${global.source.name} (topics: [${global.topic}])`, `      --> ${global.processorName}`)
    lines.push(`    Processor: ${global.processorName} (stores: [${global.spec.name}])`, `      <-- ${global.source.name}`)
  }
  if (topology.stores.size > 0) {
    lines.push('  Stores:')
    for (const store of topology.stores.values()) {
      const window =
        store.type === 'window' ? `, window ${store.windowSizeMs} ms, retention ${store.retentionMs} ms` : store.type === 'session' ? `, retention ${store.retentionMs} ms` : ''
      const changelog = topology.changelogTopicOf(store.name) ?? 'none'
      const global = topology.globalStore(store.name)
      lines.push(`    ${store.name} (${store.type}${window}${global ? `, global from ${global.topic}` : ''}, changelog: ${changelog})`)
    }
  }
  if (topology.internalTopics.length > 0) {
    lines.push('  Internal topics:')
    for (const topic of topology.internalTopics) lines.push(`    ${topic.name} (${topic.kind})`)
  }
  return lines.join('\n') + '\n'
}
