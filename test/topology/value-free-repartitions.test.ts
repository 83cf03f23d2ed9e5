import { describe, expect, test } from 'vitest'
import { defineTopology, serdes, TimeWindows, type Topology } from 'sluice'
import { categoryCounts } from '../../topologies/category-counts.js'
import { withDriver } from '../helpers/driver.js'

const S = serdes.string()
const ITEM = serdes.json<{ word: string; n: number }>()

/** Value serde names of the sink and the source of each repartition topic. */
function repartitionValueSerdes(topology: Topology): { [topic: string]: string[] } {
  const names: { [topic: string]: string[] } = {}
  for (const node of topology.subtopologies.flatMap((subtopology) => subtopology.nodes)) {
    if (node.kind === 'processor') continue
    const topic = node.kind === 'sink' ? node.topic : node.topics[0]
    if (topic.endsWith('-repartition')) (names[topic] ??= []).push(node.valueSerde.name)
  }
  return names
}

describe('repartition topics read only by counts carry no values', () => {
  test("category counts' repartition topic carries only whether there was a value", () => {
    expect(repartitionValueSerdes(categoryCounts())).toEqual({
      'category-counts-transactions-by-category-repartition': [expect.stringMatching(/^presence/), expect.stringMatching(/^presence/)],
    })
  })

  test('an aggregate, a count with a late-record handler, or a count next to an aggregate keep the values', () => {
    const topology = defineTopology({ applicationId: 'values-kept' }, (b) => {
      const items = b.stream('items', { key: S, value: ITEM })
      items.groupBy((_key, item) => item.word, { key: S, repartition: 'summed' }).aggregate(() => 0, (_key, item, sum) => sum + item.n, { value: serdes.long() })
      items
        .groupBy((_key, item) => item.word, { key: S, repartition: 'late-watched' })
        .windowedBy(TimeWindows.ofSize('1m').grace('10s'))
        .count({ onLateRecord: () => {} })
      const both = items.groupBy((_key, item) => item.word, { key: S, repartition: 'both' })
      both.count()
      both.aggregate(() => 0, (_key, item, sum) => sum + item.n, { value: serdes.long() })
    })
    const serdeNames = Object.values(repartitionValueSerdes(topology)).flat()
    expect(serdeNames).toHaveLength(6)
    expect(serdeNames.every((name) => name === 'json')).toBe(true)
  })

  test('counts through a value-free repartition topic are right', async () => {
    const topology = defineTopology({ applicationId: 'value-free' }, (b) => {
      b.stream('items', { key: S, value: ITEM })
        .groupBy((_key, item) => item.word, { key: S, repartition: 'by-word' })
        .count({ store: 'word-counts' })
        .toStream()
        .to('word-counts', { key: S, value: serdes.long() })
    })
    expect(Object.values(repartitionValueSerdes(topology)).flat().every((name) => name.startsWith('presence'))).toBe(true)
    await withDriver(topology, { backend: 'memory' }, async (driver) => {
      const words = ['a', 'b', 'a', 'c', 'a', 'b']
      await driver.createInputTopic('items', S, ITEM).pipeRecords(words.map((word, n) => ({ key: `k${n}`, value: { word, n }, timestamp: n })))
      expect(driver.createOutputTopic('word-counts', S, serdes.long()).readKeyValuesToMap()).toEqual(new Map([['a', 3], ['b', 2], ['c', 1]]))
    })
  })
})
