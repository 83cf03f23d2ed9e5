import type { Topology } from '../topology/topology.js'

/** `sluice describe`: the text picture, or Graphviz dot / Mermaid with --dot / --mermaid. */
export function describeCommand(topology: Topology, format: { dot?: boolean; mermaid?: boolean }): string {
  if (format.dot && format.mermaid) throw new Error('describe takes --dot or --mermaid, not both')
  if (format.dot) return topology.toDot()
  if (format.mermaid) return topology.toMermaid()
  return topology.describe()
}
