import { presenceSerde } from '../serde/presence.js'
import type { TopologyNode } from './nodes.js'

/**
 * A topology optimization: a repartition topic read only by processors that never look at
 * record values (a count) carries no values, just whether there was one. The groupBy of a
 * count then writes and reads a few bytes per record instead of the whole record, serialized
 * and parsed again. Returns the nodes with the serdes of such topics' sinks and sources replaced.
 */
export function withValueFreeRepartitions(
  nodes: ReadonlyMap<string, TopologyNode>,
  repartitionTopics: ReadonlySet<string>,
  ignoresValues: ReadonlySet<string>,
): Map<string, TopologyNode> {
  const children = new Map<string, TopologyNode[]>()
  for (const node of nodes.values()) {
    if (node.kind === 'source') continue
    for (const parent of node.parents) children.set(parent, [...(children.get(parent) ?? []), node])
  }
  const valueFree = new Set<string>()
  for (const topic of repartitionTopics) {
    const readers = [...nodes.values()].filter((node) => node.kind === 'source' && node.topics.includes(topic))
    const ok =
      readers.length > 0 &&
      readers.every((source) => {
        if (source.kind !== 'source' || source.topics.length !== 1) return false
        const next = children.get(source.name) ?? []
        return next.length > 0 && next.every((child) => child.kind === 'processor' && ignoresValues.has(child.name))
      })
    if (ok) valueFree.add(topic)
  }
  const result = new Map<string, TopologyNode>()
  for (const [name, node] of nodes) {
    if (node.kind === 'source' && node.topics.length === 1 && valueFree.has(node.topics[0])) result.set(name, { ...node, valueSerde: presenceSerde() })
    else if (node.kind === 'sink' && valueFree.has(node.topic)) result.set(name, { ...node, valueSerde: presenceSerde() })
    else result.set(name, node)
  }
  return result
}
