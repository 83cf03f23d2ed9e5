import { describe, expect, test } from 'vitest'
import { defineTopology, serdes, TopologyError } from 'sluice'
import { BACKENDS, withDriver } from '../helpers/driver.js'

interface Payment {
  id: string
  category: string
}

const payment = serdes.json<Payment>()

/** Payments deduplicated by id (retention 1 h), then counted per category. */
function dedupedCounts() {
  return defineTopology({ applicationId: 'deduped' }, (b) => {
    b.stream('payments', { key: serdes.string(), value: payment })
      .deduplicate((_key, value) => value.id, { retention: '1h', store: 'seen-payments' })
      .groupBy((_key, value) => value.category, { key: serdes.string(), value: payment })
      .count({ store: 'per-category' })
      .toStream()
      .to('counts', { key: serdes.string(), value: serdes.long() })
  })
}

const HOUR = 3_600_000

describe.each(BACKENDS)('deduplicate on %s', (backend) => {
  test('a record sent again with the same id and timestamp is dropped and counted; other records pass', async () => {
    await withDriver(dedupedCounts(), { backend, updateCacheMaxEntries: 0 }, async (driver) => {
      const input = driver.createInputTopic('payments', serdes.string(), payment)
      const output = driver.createOutputTopic('counts', serdes.string(), serdes.long())
      await input.pipeInput('k1', { id: 'p1', category: 'food' }, 1_000)
      await input.pipeInput('k2', { id: 'p2', category: 'food' }, 2_000)
      await input.pipeInput('k1', { id: 'p1', category: 'food' }, 1_000) // the source re-sent p1
      await input.pipeInput('k3', { id: 'p3', category: 'gas' }, 3_000)
      await input.pipeInput('k2', { id: 'p2', category: 'food' }, 2_000) // and p2
      const final = new Map(output.readRecordsToList().map((record) => [record.key, record.value]))
      expect(final).toEqual(new Map([['food', 2], ['gas', 1]]))
      expect(driver.metrics().duplicatesDropped).toBe(2)
      // 5 payments (3 counted, 2 dropped as duplicates) and the 3 counted ones again through the repartition topic
      expect(driver.metrics().recordsProcessed).toBe(8)
    })
  })

  test('the seen ids are forgotten once they fall behind stream time by more than the retention', async () => {
    await withDriver(dedupedCounts(), { backend, updateCacheMaxEntries: 0 }, async (driver) => {
      const input = driver.createInputTopic('payments', serdes.string(), payment)
      const output = driver.createOutputTopic('counts', serdes.string(), serdes.long())
      await input.pipeInput('k1', { id: 'p1', category: 'food' }, 0)
      await input.pipeInput('k9', { id: 'p9', category: 'gas' }, 3 * HOUR) // stream time moves 3 h on
      await input.pipeInput('k1', { id: 'p1', category: 'food' }, 0) // too old to be recognized: passes
      const counts = output.readRecordsToList().filter((record) => record.key === 'food').map((record) => record.value)
      expect(counts).toEqual([1, 2])
      expect(driver.metrics().duplicatesDropped).toBe(0)
    })
  })

  test('a record without an id and a tombstone pass untouched', async () => {
    const topology = defineTopology({ applicationId: 'deduped-passthrough' }, (b) => {
      b.stream('in', { key: serdes.string(), value: serdes.nullable(serdes.json<{ id?: string }>()) })
        .deduplicate((_key, value) => value?.id, { retention: '1h' })
        .to('out')
    })
    await withDriver(topology, { backend }, async (driver) => {
      const input = driver.createInputTopic('in', serdes.string(), serdes.nullable(serdes.json<{ id?: string }>()))
      const output = driver.createOutputTopic('out', serdes.string(), serdes.nullable(serdes.json<{ id?: string }>()))
      await input.pipeInput('a', {}, 1)
      await input.pipeInput('a', {}, 1)
      await input.pipeInput('b', null, 2)
      await input.pipeInput('b', null, 2)
      expect(output.readRecordsToList().map((record) => [record.key, record.value])).toEqual([['a', {}], ['a', {}], ['b', null], ['b', null]])
      expect(driver.metrics().duplicatesDropped).toBe(0)
    })
  })

  test('a retention of 0 is refused when the topology is built', () => {
    expect(() =>
      defineTopology({ applicationId: 'bad-dedupe' }, (b) => {
        b.stream('in', { key: serdes.string(), value: serdes.string() }).deduplicate((key) => key, { retention: 0 }).to('out')
      }),
    ).toThrow(TopologyError)
  })
})
