import type { Topology } from './topology.js'
import { topologyPicture, type PictureNode } from './topology-picture.js'

/** Mermaid labels are quoted; a quote inside one is written as an entity. */
function label(text: string): string {
  return `"${text.replace(/"/g, '#quot;')}"`
}

function shaped(node: PictureNode): string {
  switch (node.kind) {
    case 'store':
      return `${node.id}[(${label(node.label)})]`
    case 'topic':
      return `${node.id}[/${label(node.label)}/]`
    case 'source':
    case 'sink':
      return `${node.id}([${label(`${node.kind}: ${node.label}`)}])`
    default:
      return `${node.id}[${label(node.label)}]`
  }
}

/** The topology as a Mermaid flowchart: a subgraph per sub-topology, topics between them. */
export function topologyMermaid(topology: Topology): string {
  const picture = topologyPicture(topology)
  const lines = ['flowchart LR', `  %% ${picture.title.replace(/\n/g, ' ')}`]
  picture.clusters.forEach((cluster, index) => {
    lines.push(`  subgraph subtopology${index} [${label(cluster.label)}]`)
    for (const node of cluster.nodes) lines.push(`    ${shaped(node)}`)
    lines.push('  end')
  })
  for (const topic of picture.topics) lines.push(`  ${shaped(topic)}`)
  for (const edge of picture.edges) lines.push(`  ${edge.from} ${edge.kind === 'store' ? '-.-' : '-->'} ${edge.to}`)
  return lines.join('\n') + '\n'
}
