import type { Topology } from './topology.js'
import { topologyPicture, type PictureNodeKind } from './topology-picture.js'

const SHAPES: Record<PictureNodeKind, string> = {
  source: 'shape=box, style=rounded',
  processor: 'shape=box',
  sink: 'shape=box, style=rounded',
  store: 'shape=cylinder',
  topic: 'shape=cds',
}

/** A dot string literal: backslashes and quotes escaped, newlines kept as dot line breaks. */
function quoted(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`
}

/** The topology as a Graphviz dot digraph: a cluster per sub-topology, topics between them. */
export function topologyDot(topology: Topology): string {
  const picture = topologyPicture(topology)
  const lines = [`digraph ${quoted(picture.title)} {`, '  rankdir=LR;', '  node [fontname="Helvetica"];']
  picture.clusters.forEach((cluster, index) => {
    lines.push(`  subgraph cluster_${index} {`, `    label=${quoted(cluster.label)};`)
    for (const node of cluster.nodes) lines.push(`    ${node.id} [label=${quoted(node.label)}, ${SHAPES[node.kind]}];`)
    lines.push('  }')
  })
  for (const topic of picture.topics) lines.push(`  ${topic.id} [label=${quoted(topic.label)}, ${SHAPES.topic}];`)
  for (const edge of picture.edges) lines.push(`  ${edge.from} -> ${edge.to}${edge.kind === 'store' ? ' [style=dashed, arrowhead=none]' : ''};`)
  lines.push('}')
  return lines.join('\n') + '\n'
}
