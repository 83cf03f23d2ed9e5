import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import type { Topology } from 'sluice'
import categoryCounts from '../../topologies/category-counts.js'
import userAnomaly from '../../topologies/user-anomaly.js'

const SHIPPED: [string, Topology][] = [
  ['category-counts', categoryCounts],
  ['user-anomaly', userAnomaly],
]

/** Every edge the pictures must show, by name: topic -> source, parent -> child, sink -> topic, processor - store. */
function expectedEdges(topology: Topology): { from: string; to: string; store: boolean }[] {
  const edges: { from: string; to: string; store: boolean }[] = []
  for (const subtopology of topology.subtopologies) {
    for (const node of subtopology.nodes) {
      if (node.kind === 'source') {
        for (const topic of node.topics) edges.push({ from: `topic:${topic}`, to: node.name, store: false })
        continue
      }
      for (const parent of node.parents) edges.push({ from: parent, to: node.name, store: false })
      if (node.kind === 'sink') edges.push({ from: node.name, to: `topic:${node.topic}`, store: false })
      else for (const store of node.stores) edges.push({ from: node.name, to: `store:${store}`, store: true })
    }
  }
  return edges
}

/** Picture ids by name, from the node lines of a rendering. */
function idsByName(topology: Topology, text: string, nodeLine: (name: string) => RegExp): Map<string, string> {
  const ids = new Map<string, string>()
  const find = (key: string, label: string): void => {
    const match = nodeLine(label).exec(text)
    expect(match, `${key} drawn`).not.toBeNull()
    ids.set(key, (match as RegExpExecArray)[1])
  }
  for (const subtopology of topology.subtopologies) {
    for (const node of subtopology.nodes) find(node.name, node.name)
    for (const store of subtopology.stores) find(`store:${store.name}`, `${store.name} (${store.type})`)
  }
  for (const edge of expectedEdges(topology)) for (const end of [edge.from, edge.to]) if (end.startsWith('topic:') && !ids.has(end)) find(end, end.slice('topic:'.length))
  return ids
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe.each(SHIPPED)('pictures of the shipped topology %s', (_name, topology) => {
  test('Graphviz dot: one cluster per sub-topology, every node, store, topic and edge', () => {
    const dot = topology.toDot()
    expect(dot.startsWith(`digraph "${topology.applicationId}" {`)).toBe(true)
    expect(dot.trimEnd().endsWith('}')).toBe(true)
    expect(dot.split('{').length).toBe(dot.split('}').length)
    expect(dot.match(/subgraph cluster_\d+ \{/g)).toHaveLength(topology.subtopologies.length)
    const ids = idsByName(topology, dot, (label) => new RegExp(`^\\s*(\\w+) \\[label="${escape(label)}"`, 'm'))
    const edges = dot.split('\n').filter((line) => line.includes(' -> '))
    expect(edges).toHaveLength(expectedEdges(topology).length)
    for (const edge of expectedEdges(topology)) {
      const line = `  ${ids.get(edge.from)} -> ${ids.get(edge.to)}${edge.store ? ' [style=dashed, arrowhead=none]' : ''};`
      expect(edges, `${edge.from} -> ${edge.to}`).toContain(line)
    }
  })

  test('Mermaid flowchart: one subgraph per sub-topology, every node, store, topic and edge', () => {
    const mermaid = topology.toMermaid()
    const lines = mermaid.trimEnd().split('\n')
    expect(lines[0]).toBe('flowchart LR')
    expect(lines.filter((line) => /^\s*subgraph /.test(line))).toHaveLength(topology.subtopologies.length)
    expect(lines.filter((line) => line.trim() === 'end')).toHaveLength(topology.subtopologies.length)
    const ids = idsByName(topology, mermaid, (label) => new RegExp(`^\\s*(\\w+)[\\[(/]+"(?:source: |sink: )?${escape(label)}"`, 'm'))
    const edges = lines.filter((line) => / (-->|-\.-) /.test(line))
    expect(edges).toHaveLength(expectedEdges(topology).length)
    for (const edge of expectedEdges(topology)) {
      expect(edges, `${edge.from} -> ${edge.to}`).toContain(`  ${ids.get(edge.from)} ${edge.store ? '-.-' : '-->'} ${ids.get(edge.to)}`)
    }
    // Node ids are plain words, so names with any characters never break the syntax.
    for (const id of ids.values()) expect(id).toMatch(/^[a-z]+\d+$/)
  })
})

describe('sluice describe', () => {
  const bin = fileURLToPath(new URL('../../bin/sluice.js', import.meta.url))
  const run = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => execFile(process.execPath, [bin, ...args], (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })))
  const file = fileURLToPath(new URL('../../topologies/category-counts.ts', import.meta.url))

  test('prints text, --dot and --mermaid', async () => {
    expect((await run(['describe', file])).stdout).toBe(categoryCounts.describe())
    expect((await run(['describe', file, '--dot'])).stdout).toBe(categoryCounts.toDot())
    expect((await run(['describe', file, '--mermaid'])).stdout).toBe(categoryCounts.toMermaid())
    const both = await run(['describe', file, '--dot', '--mermaid'])
    expect(both.code).toBe(1)
    expect(both.stderr).toMatch(/--dot or --mermaid, not both/)
  })
})
