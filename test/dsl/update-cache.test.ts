import { describe, expect, test } from 'vitest'
import { defineTopology, serdes, TimeWindows } from 'sluice'
import type { TestOutputTopic } from 'sluice/testing'
import { withDriver } from '../helpers/driver.js'

const S = serdes.string()

const wordCounts = defineTopology({ applicationId: 'update-cache' }, (b) => {
  b.stream('words', { key: S, value: S })
    .groupByKey()
    .count({ store: 'counts' })
    .toStream()
    .to('counts', { key: S, value: serdes.long() })
})

const windowedCounts = defineTopology({ applicationId: 'update-cache-windowed' }, (b) => {
  b.stream('words', { key: S, value: S })
    .groupByKey()
    .windowedBy(TimeWindows.ofSize('1m').grace('1h'))
    .count({ store: 'windowed-counts' })
    .toStream()
    .to('windowed-counts', { key: serdes.windowed(S), value: serdes.long() })
})

function read(topic: TestOutputTopic<string, number>) {
  return topic.readRecordsToList().map((record) => ({ key: record.key, value: record.value, timestamp: record.timestamp }))
}

describe('aggregation updates held until commit', () => {
  test('without a cache (the driver default) every update is forwarded at once', async () => {
    await withDriver(wordCounts, { backend: 'memory' }, async (driver) => {
      await driver.createInputTopic('words', S, S).pipeRecords(['a', 'a', 'b', 'a'].map((key, i) => ({ key, value: 'x', timestamp: i })))
      expect(read(driver.createOutputTopic('counts', S, serdes.long()))).toEqual([
        { key: 'a', value: 1, timestamp: 0 },
        { key: 'a', value: 2, timestamp: 1 },
        { key: 'b', value: 1, timestamp: 2 },
        { key: 'a', value: 3, timestamp: 3 },
      ])
    })
  })

  test('with a cache, a key updated several times is forwarded once at commit, with its latest value and timestamp', async () => {
    await withDriver(wordCounts, { backend: 'memory', updateCacheMaxEntries: 100 }, async (driver) => {
      const output = driver.createOutputTopic('counts', S, serdes.long())
      await driver.createInputTopic('words', S, S).pipeRecords(['a', 'a', 'b', 'a'].map((key, i) => ({ key, value: 'x', timestamp: i })))
      expect(read(output)).toEqual([])
      await driver.commit()
      // Least recently updated first: b (last updated by the third record), then a.
      expect(read(output)).toEqual([
        { key: 'b', value: 1, timestamp: 2 },
        { key: 'a', value: 3, timestamp: 3 },
      ])
      await driver.commit()
      expect(read(output)).toEqual([])
      // a's first two updates were absorbed by its later ones; nothing left early.
      expect(driver.metrics()).toMatchObject({ updateCacheHits: 2, updateCacheEvictions: 0 })
    })
  })

  test('past its size, the least recently updated keys are forwarded early, down to 90% of it', async () => {
    await withDriver(wordCounts, { backend: 'memory', updateCacheMaxEntries: 10 }, async (driver) => {
      const output = driver.createOutputTopic('counts', S, serdes.long())
      const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9', 'k0', 'k10']
      await driver.createInputTopic('words', S, S).pipeRecords(keys.map((key, i) => ({ key, value: 'x', timestamp: i })))
      // Eleven keys held with room for ten: down to nine, the two updated longest ago leave
      // (k0 was updated again, so k1 and k2).
      expect(read(output)).toEqual([
        { key: 'k1', value: 1, timestamp: 1 },
        { key: 'k2', value: 1, timestamp: 2 },
      ])
      expect(driver.metrics()).toMatchObject({ updateCacheHits: 1, updateCacheEvictions: 2 })
      await driver.commit()
      expect(read(output).map((record) => [record.key, record.value])).toEqual([
        ...['k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9'].map((key) => [key, 1]),
        ['k0', 2],
        ['k10', 1],
      ])
    })
  })

  test('past its size in bytes, the least recently updated are forwarded early too: large keys cost writes, not memory', async () => {
    const MiB = 1024 * 1024
    // Each held update of a 1 MiB key counts about 2 MiB (the id and the key it names): a 5 MiB
    // bound holds two, with far fewer keys than the entry limit.
    await withDriver(wordCounts, { backend: 'memory', updateCacheMaxEntries: 10_000, updateCacheMaxBytes: 5 * MiB }, async (driver) => {
      const output = driver.createOutputTopic('counts', S, serdes.long())
      const keys = [0, 1, 2, 3, 4, 5].map((i) => `${i}`.padEnd(MiB, 'k'))
      const input = driver.createInputTopic('words', S, S)
      await input.pipeRecords(keys.slice(0, 2).map((key, i) => ({ key, value: 'x', timestamp: i })))
      expect(read(output)).toEqual([])
      await input.pipeRecords(keys.slice(2).map((key, i) => ({ key, value: 'x', timestamp: i + 2 })))
      // A third key passes the bound: the oldest go until at most 90% of it (4.5 MiB) is held.
      expect(read(output).map((record) => [record.key[0], record.value])).toEqual([
        ['0', 1],
        ['1', 1],
        ['2', 1],
        ['3', 1],
      ])
      await driver.commit()
      expect(read(output).map((record) => [record.key[0], record.value])).toEqual([
        ['4', 1],
        ['5', 1],
      ])
    })
  })

  test("the bytes it holds are the task's updateCacheBytes level: up with each held update, back to 0 at the commit", async () => {
    await withDriver(wordCounts, { backend: 'memory', updateCacheMaxEntries: 100 }, async (driver) => {
      const input = driver.createInputTopic('words', S, S)
      await input.pipeRecords([{ key: 'a', value: 'x', timestamp: 1 }])
      const one = driver.metrics().updateCacheBytes
      expect(one).toBeGreaterThan(0)
      // The same key again replaces its held update: the level stays.
      await input.pipeRecords([{ key: 'a', value: 'x', timestamp: 2 }])
      expect(driver.metrics().updateCacheBytes).toBe(one)
      await input.pipeRecords([{ key: 'bb', value: 'x', timestamp: 3 }])
      expect(driver.metrics().updateCacheBytes).toBeGreaterThan(one)
      await driver.commit()
      expect(driver.metrics().updateCacheBytes).toBe(0)
    })
  })

  test('windowed counts are held per key and window', async () => {
    await withDriver(windowedCounts, { backend: 'memory', updateCacheMaxEntries: 100 }, async (driver) => {
      const output = driver.createOutputTopic('windowed-counts', serdes.windowed(S), serdes.long())
      // a in the first minute twice, a in the second minute once.
      await driver.createInputTopic('words', S, S).pipeRecords([0, 10_000, 60_000].map((timestamp) => ({ key: 'a', value: 'x', timestamp })))
      expect(output.readRecordsToList()).toEqual([])
      await driver.commit()
      expect(output.readRecordsToList().map((record) => [record.key.key, record.key.window.start, record.value])).toEqual([
        ['a', 0, 2],
        ['a', 60_000, 1],
      ])
    })
  })
})
