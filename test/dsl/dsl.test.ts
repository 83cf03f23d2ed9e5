import { describe, expect, test } from 'vitest'
import { defineTopology, serdes, Stores, TopologyError, type KeyValueStore, type ProcessorContext, type ProcessorSupplier } from 'sluice'
import type { TestOutputTopic } from 'sluice/testing'
import { BACKENDS, collect, entries, withDriver } from '../helpers/driver.js'

interface Item {
  n: number
  word: string
}

const S = serdes.string()
const ITEM = serdes.json<Item>()
const HEADERS = { trace: 'trace-1' }
const TS = 4_242

/** Key, value, timestamp and the trace header of every record left in an output topic. */
function readAll<K, V>(topic: TestOutputTopic<K, V>) {
  return topic.readRecordsToList().map((record) => ({ key: record.key, value: record.value, timestamp: record.timestamp, trace: record.headers.trace?.toString() }))
}

function keyValues<K, V>(topic: TestOutputTopic<K, V>) {
  return topic.readKeyValuesToList().map(({ key, value }) => [key, value])
}

describe.each(BACKENDS)('DSL on %s', (backend) => {
  test('filter and filterNot (two children of one stream both receive every record)', async () => {
    const topology = defineTopology({ applicationId: 'dsl' }, (b) => {
      const s = b.stream('in', { key: S, value: ITEM })
      s.filter((_key, item) => item.n > 1).to('kept')
      s.filterNot((_key, item) => item.n > 1).to('dropped')
    })
    await withDriver(topology, { backend }, async (driver) => {
      const input = driver.createInputTopic('in', S, ITEM)
      await input.pipeRecords([1, 2, 3, 0].map((n) => ({ key: `k${n}`, value: { n, word: 'w' }, timestamp: TS, headers: HEADERS })))
      const kept = driver.createOutputTopic('kept', S, ITEM)
      const dropped = driver.createOutputTopic('dropped', S, ITEM)
      expect(readAll(kept)).toEqual([2, 3].map((n) => ({ key: `k${n}`, value: { n, word: 'w' }, timestamp: TS, trace: 'trace-1' })))
      expect(readAll(dropped)).toEqual([1, 0].map((n) => ({ key: `k${n}`, value: { n, word: 'w' }, timestamp: TS, trace: 'trace-1' })))
    })
  })

  test('map, mapValues, flatMap, flatMapValues, selectKey keep timestamps and headers', async () => {
    const topology = defineTopology({ applicationId: 'dsl' }, (b) => {
      const s = b.stream('in', { key: S, value: ITEM })
      s.map((key, item) => [item.word, key.length + item.n] as const).to('mapped', { key: S, value: serdes.int() })
      s.mapValues((item, key) => `${key}:${item.n * 2}`).to('map-values', { value: S })
      s.flatMap((key, item) => Array.from({ length: item.n }, (_, i): [string, number] => [`${key}-${i}`, i])).to('flat-mapped', { key: S, value: serdes.long() })
      s.flatMapValues((item) => item.word.split('')).to('flat-map-values', { value: S })
      s.selectKey((_key, item) => item.word).to('selected', { key: S })
    })
    await withDriver(topology, { backend }, async (driver) => {
      const input = driver.createInputTopic('in', S, ITEM)
      await input.pipeInput('key', { n: 2, word: 'ab' }, TS, HEADERS)
      await input.pipeInput('k', { n: 0, word: 'c' }, TS + 1, HEADERS)
      const meta = (timestamp: number) => ({ timestamp, trace: 'trace-1' })
      expect(readAll(driver.createOutputTopic('mapped', S, serdes.int()))).toEqual([
        { key: 'ab', value: 5, ...meta(TS) },
        { key: 'c', value: 1, ...meta(TS + 1) },
      ])
      expect(readAll(driver.createOutputTopic('map-values', S, S))).toEqual([
        { key: 'key', value: 'key:4', ...meta(TS) },
        { key: 'k', value: 'k:0', ...meta(TS + 1) },
      ])
      expect(readAll(driver.createOutputTopic('flat-mapped', S, serdes.long()))).toEqual([
        { key: 'key-0', value: 0, ...meta(TS) },
        { key: 'key-1', value: 1, ...meta(TS) },
      ])
      expect(readAll(driver.createOutputTopic('flat-map-values', S, S))).toEqual([
        { key: 'key', value: 'a', ...meta(TS) },
        { key: 'key', value: 'b', ...meta(TS) },
        { key: 'k', value: 'c', ...meta(TS + 1) },
      ])
      expect(readAll(driver.createOutputTopic('selected', S, ITEM))).toEqual([
        { key: 'ab', value: { n: 2, word: 'ab' }, ...meta(TS) },
        { key: 'c', value: { n: 0, word: 'c' }, ...meta(TS + 1) },
      ])
    })
  })

  test('peek sees every record and passes it on unchanged', async () => {
    const seen: [string, Item][] = []
    const topology = defineTopology({ applicationId: 'dsl' }, (b) => {
      b.stream('in', { key: S, value: ITEM })
        .peek((key, item) => seen.push([key, item]))
        .to('out')
    })
    await withDriver(topology, { backend }, async (driver) => {
      const input = driver.createInputTopic('in', S, ITEM)
      await input.pipeInput('a', { n: 1, word: 'x' }, TS, HEADERS)
      await input.pipeInput('b', { n: 2, word: 'y' }, TS, HEADERS)
      expect(seen).toEqual([
        ['a', { n: 1, word: 'x' }],
        ['b', { n: 2, word: 'y' }],
      ])
      expect(readAll(driver.createOutputTopic('out', S, ITEM))).toEqual([
        { key: 'a', value: { n: 1, word: 'x' }, timestamp: TS, trace: 'trace-1' },
        { key: 'b', value: { n: 2, word: 'y' }, timestamp: TS, trace: 'trace-1' },
      ])
    })
  })

  test('merge combines two streams', async () => {
    const topology = defineTopology({ applicationId: 'dsl' }, (b) => {
      const left = b.stream('left', { key: S, value: S })
      const right = b.stream('right', { key: S, value: S }).mapValues((value) => value.toUpperCase())
      left.merge(right).to('merged', { value: S })
    })
    expect(topology.subtopologies).toHaveLength(1)
    await withDriver(topology, { backend }, async (driver) => {
      const left = driver.createInputTopic('left', S, S)
      const right = driver.createInputTopic('right', S, S)
      await left.pipeInput('a', 'one', 1, HEADERS)
      await right.pipeInput('b', 'two', 2, HEADERS)
      await left.pipeInput('c', 'three', 3, HEADERS)
      expect(readAll(driver.createOutputTopic('merged', S, S))).toEqual([
        { key: 'a', value: 'one', timestamp: 1, trace: 'trace-1' },
        { key: 'b', value: 'TWO', timestamp: 2, trace: 'trace-1' },
        { key: 'c', value: 'three', timestamp: 3, trace: 'trace-1' },
      ])
    })
  })

  test('split with defaultBranch sends each record to the first matching branch, the rest to the default', async () => {
    const topology = defineTopology({ applicationId: 'dsl' }, (b) => {
      const branches = b
        .stream('in', { key: S, value: ITEM })
        .split()
        .branch('small', (_key, item) => item.n < 10)
        .branch('medium', (_key, item) => item.n < 100)
        .defaultBranch('large')
      branches.small.to('small')
      branches.medium.to('medium')
      branches.large.to('large')
    })
    await withDriver(topology, { backend }, async (driver) => {
      const input = driver.createInputTopic('in', S, ITEM)
      await input.pipeRecords([5, 50, 500, 9, 99].map((n) => ({ key: `k${n}`, value: { n, word: 'w' }, timestamp: n, headers: HEADERS })))
      const ns = (topic: string) => readAll(driver.createOutputTopic(topic, S, ITEM)).map((r) => [r.key, r.value.n, r.timestamp, r.trace])
      expect(ns('small')).toEqual([
        ['k5', 5, 5, 'trace-1'],
        ['k9', 9, 9, 'trace-1'],
      ])
      expect(ns('medium')).toEqual([
        ['k50', 50, 50, 'trace-1'],
        ['k99', 99, 99, 'trace-1'],
      ])
      expect(ns('large')).toEqual([['k500', 500, 500, 'trace-1']])
    })
  })

  test('split with noDefaultBranch drops records that match no branch', async () => {
    const topology = defineTopology({ applicationId: 'dsl' }, (b) => {
      const branches = b
        .stream('in', { key: S, value: ITEM })
        .split({ name: 'route' })
        .branch('even', (_key, item) => item.n % 2 === 0)
        .branch('three', (_key, item) => item.n % 3 === 0)
        .noDefaultBranch()
      branches.even.to('even')
      branches.three.to('three')
    })
    expect(topology.describe()).toContain('Processor: route (stores: [])\n      --> route-even, route-three')
    await withDriver(topology, { backend }, async (driver) => {
      const input = driver.createInputTopic('in', S, ITEM)
      await input.pipeRecords([1, 2, 3, 5, 6, 7, 9].map((n) => ({ key: `k${n}`, value: { n, word: 'w' } })))
      expect(keyValues(driver.createOutputTopic('even', S, ITEM)).map(([key]) => key)).toEqual(['k2', 'k6'])
      expect(keyValues(driver.createOutputTopic('three', S, ITEM)).map(([key]) => key)).toEqual(['k3', 'k9'])
      expect(driver.metrics().recordsProcessed).toBe(7)
    })
  })

  test('process() runs a custom processor with its own store and forwards to a named child', async () => {
    const counter: ProcessorSupplier<string, string, string, number> = () => {
      let context: ProcessorContext<string, number>
      let store: KeyValueStore<string, number>
      return {
        init: (ctx) => {
          context = ctx
          store = ctx.getStateStore<KeyValueStore<string, number>>('seen')
        },
        process: (record) => {
          const count = (store.get(record.key) ?? 0) + 1
          store.put(record.key, count)
          context.forward(record.withValue(count), count % 2 === 1 ? 'odd-sink' : 'even-sink')
        },
      }
    }
    const topology = defineTopology({ applicationId: 'dsl' }, (b) => {
      const counted = b.stream('in', { key: S, value: S }).process(counter, { name: 'counter', stores: [Stores.keyValue('seen', { key: S, value: serdes.long() })] })
      counted.to('odd', { name: 'odd-sink', key: S, value: serdes.long() })
      counted.to('even', { name: 'even-sink', key: S, value: serdes.long() })
    })
    expect(topology.describe()).toContain('Processor: counter (stores: [seen])\n      --> odd-sink, even-sink')
    expect(topology.changelogTopicOf('seen')).toBe('dsl-seen-changelog')
    await withDriver(topology, { backend }, async (driver) => {
      const input = driver.createInputTopic('in', S, S)
      for (const key of ['a', 'b', 'a', 'a', 'b']) await input.pipeInput(key, 'x', TS, HEADERS)
      expect(readAll(driver.createOutputTopic('odd', S, serdes.long()))).toEqual([
        { key: 'a', value: 1, timestamp: TS, trace: 'trace-1' },
        { key: 'b', value: 1, timestamp: TS, trace: 'trace-1' },
        { key: 'a', value: 3, timestamp: TS, trace: 'trace-1' },
      ])
      expect(keyValues(driver.createOutputTopic('even', S, serdes.long()))).toEqual([
        ['a', 2],
        ['b', 2],
      ])
      expect(entries(await collect(driver.getKeyValueStore<string, number>('seen').all()))).toEqual([
        ['a', 3],
        ['b', 2],
      ])
    })
  })

  test('groupByKey does not repartition when keys are unchanged', async () => {
    const topology = defineTopology({ applicationId: 'dsl' }, (b) => {
      b.stream('in', { key: S, value: ITEM })
        .filter((_key, item) => item.n > 0)
        .mapValues((item) => item.word)
        .flatMapValues((word) => [word])
        .peek(() => {})
        .groupByKey({ value: S })
        .count({ store: 'counts' })
        .toStream()
        .to('counts-out')
    })
    expect(topology.subtopologies).toHaveLength(1)
    expect(topology.internalTopics.filter((topic) => topic.kind === 'repartition')).toEqual([])
    expect(topology.describe()).not.toContain('repartition')
    await withDriver(topology, { backend }, async (driver) => {
      const input = driver.createInputTopic('in', S, ITEM)
      await input.pipeRecords(['a', 'b', 'a', 'c', 'a'].map((key, i) => ({ key, value: { n: i, word: 'w' } })))
      expect(keyValues(driver.createOutputTopic('counts-out', S, serdes.long()))).toEqual([
        ['b', 1],
        ['a', 1],
        ['c', 1],
        ['a', 2],
      ])
    })
  })

  test.each(['selectKey', 'map', 'flatMap'] as const)('groupByKey repartitions after %s', async (operation) => {
    const topology = defineTopology({ applicationId: 'dsl' }, (b) => {
      const s = b.stream('in', { key: S, value: S })
      const rekeyed =
        operation === 'selectKey' ? s.selectKey((_key, value) => value) : operation === 'map' ? s.map((_key, value) => [value, value] as const) : s.flatMap((_key, value) => [[value, value] as const])
      rekeyed
        .groupByKey({ key: S, value: S })
        .count({ store: 'counts' })
        .toStream()
        .to('counts-out')
    })
    const repartition = 'dsl-in-group-by-key-repartition'
    expect(topology.subtopologies).toHaveLength(2)
    expect(topology.internalTopics).toContainEqual({ name: repartition, kind: 'repartition' })
    expect(topology.describe()).toContain(`(topic: ${repartition})`)
    expect(topology.describe()).toContain(`(topics: [${repartition}])`)
    await withDriver(topology, { backend }, async (driver) => {
      const input = driver.createInputTopic('in', S, S)
      await input.pipeRecords([
        { key: 'k1', value: 'x', timestamp: 1, headers: HEADERS },
        { key: 'k2', value: 'y', timestamp: 2, headers: HEADERS },
        { key: 'k3', value: 'x', timestamp: 3, headers: HEADERS },
      ])
      // Only a count reads the repartition topic, and a count needs no values: it carries none.
      expect(driver.topicContents(repartition).map((r) => [r.key?.toString(), r.value?.toString(), r.timestamp, r.headers.trace?.toString()])).toEqual([
        ['x', '', 1, 'trace-1'],
        ['y', '', 2, 'trace-1'],
        ['x', '', 3, 'trace-1'],
      ])
      expect(readAll(driver.createOutputTopic('counts-out', S, serdes.long()))).toEqual([
        { key: 'x', value: 1, timestamp: 1, trace: 'trace-1' },
        { key: 'y', value: 1, timestamp: 2, trace: 'trace-1' },
        { key: 'x', value: 2, timestamp: 3, trace: 'trace-1' },
      ])
    })
  })

  test('groupBy always repartitions; the topic shows in describe() and in the driver', async () => {
    const topology = defineTopology({ applicationId: 'dsl' }, (b) => {
      b.stream('in', { key: S, value: ITEM })
        .groupBy((_key, item) => item.word, { key: S })
        .count({ store: 'by-word' })
        .toStream()
        .to('counts-out')
    })
    const repartition = 'dsl-in-group-by-repartition'
    expect(topology.internalTopics.map((topic) => topic.name)).toEqual([repartition, 'dsl-by-word-changelog'])
    expect(topology.subtopologies.map((sub) => [sub.sourceTopics, sub.sinkTopics])).toEqual([
      [['in'], [repartition]],
      [[repartition], ['counts-out']],
    ])
    const described = topology.describe()
    expect(described).toContain(`Sink: group-by-repartition-sink-3 (topic: ${repartition})`)
    expect(described).toContain(`Source: group-by-repartition-source-4 (topics: [${repartition}])`)
    expect(described).toContain(`    ${repartition} (repartition)`)
    await withDriver(topology, { backend }, async (driver) => {
      const input = driver.createInputTopic('in', S, ITEM)
      await input.pipeRecords(['x', 'y', 'x', 'x'].map((word, i) => ({ key: `k${i}`, value: { n: i, word }, timestamp: 100 + i, headers: HEADERS })))
      const repartitioned = driver.topicContents(repartition)
      // Keys and timestamps only: a count needs no values (see value-free-repartitions.test.ts).
      expect(repartitioned.map((r) => [r.key?.toString(), r.value?.toString(), r.timestamp, r.headers.trace?.toString()])).toEqual([
        ['x', '', 100, 'trace-1'],
        ['y', '', 101, 'trace-1'],
        ['x', '', 102, 'trace-1'],
        ['x', '', 103, 'trace-1'],
      ])
      expect(readAll(driver.createOutputTopic('counts-out', S, serdes.long()))).toEqual([
        { key: 'x', value: 1, timestamp: 100, trace: 'trace-1' },
        { key: 'y', value: 1, timestamp: 101, trace: 'trace-1' },
        { key: 'x', value: 2, timestamp: 102, trace: 'trace-1' },
        { key: 'x', value: 3, timestamp: 103, trace: 'trace-1' },
      ])
      expect(entries(await collect(driver.getKeyValueStore<string, number>('by-word').all()))).toEqual([
        ['x', 3],
        ['y', 1],
      ])
    })
  })

  test('count, aggregate and reduce emit every update and keep their stores', async () => {
    interface Stats {
      sum: number
      words: string[]
    }
    const topology = defineTopology({ applicationId: 'dsl' }, (b) => {
      const grouped = b.stream('in', { key: S, value: ITEM }).groupByKey()
      grouped.count({ store: 'count' }).toStream().to('count-out')
      grouped
        .aggregate(
          (): Stats => ({ sum: 0, words: [] }),
          (_key, item, stats) => ({ sum: stats.sum + item.n, words: [...stats.words, item.word] }),
          { value: serdes.json<Stats>(), store: 'aggregate' },
        )
        .toStream()
        .to('aggregate-out')
      grouped.reduce((a, b) => (b.n > a.n ? b : a), { store: 'max' }).toStream().to('reduce-out')
      b.stream('numbers', { key: S, value: serdes.long() })
        .groupByKey()
        .reduce((a, b) => a + b, { store: 'sum' })
        .toStream()
        .to('sum-out')
    })
    await withDriver(topology, { backend }, async (driver) => {
      const input = driver.createInputTopic('in', S, ITEM)
      const items: [string, Item][] = [
        ['a', { n: 3, word: 'x' }],
        ['b', { n: 1, word: 'y' }],
        ['a', { n: 5, word: 'z' }],
        ['a', { n: 4, word: 'w' }],
      ]
      for (const [key, value] of items) await input.pipeInput(key, value, TS, HEADERS)
      const numbers = driver.createInputTopic('numbers', S, serdes.long())
      await numbers.pipeRecords([1, 2, 3].map((value) => ({ key: 'n', value })))

      expect(keyValues(driver.createOutputTopic('count-out', S, serdes.long()))).toEqual([
        ['a', 1],
        ['b', 1],
        ['a', 2],
        ['a', 3],
      ])
      expect(keyValues(driver.createOutputTopic('aggregate-out', S, serdes.json<Stats>()))).toEqual([
        ['a', { sum: 3, words: ['x'] }],
        ['b', { sum: 1, words: ['y'] }],
        ['a', { sum: 8, words: ['x', 'z'] }],
        ['a', { sum: 12, words: ['x', 'z', 'w'] }],
      ])
      expect(readAll(driver.createOutputTopic('reduce-out', S, ITEM))).toEqual([
        { key: 'a', value: { n: 3, word: 'x' }, timestamp: TS, trace: 'trace-1' },
        { key: 'b', value: { n: 1, word: 'y' }, timestamp: TS, trace: 'trace-1' },
        { key: 'a', value: { n: 5, word: 'z' }, timestamp: TS, trace: 'trace-1' },
        { key: 'a', value: { n: 5, word: 'z' }, timestamp: TS, trace: 'trace-1' },
      ])
      expect(keyValues(driver.createOutputTopic('sum-out', S, serdes.long()))).toEqual([
        ['n', 1],
        ['n', 3],
        ['n', 6],
      ])
      expect(entries(await collect(driver.getKeyValueStore<string, number>('count').all()))).toEqual([
        ['a', 3],
        ['b', 1],
      ])
      expect(driver.getKeyValueStore<string, Stats>('aggregate').get('a')).toEqual({ sum: 12, words: ['x', 'z', 'w'] })
      expect(driver.getKeyValueStore<string, Item>('max').get('a')).toEqual({ n: 5, word: 'z' })
      expect(driver.getKeyValueStore<string, number>('sum').get('n')).toBe(6)
    })
  })

  test('a table joined with a stream: inner and left joins', async () => {
    interface User {
      name: string
    }
    const USER = serdes.json<User>()
    const topology = defineTopology({ applicationId: 'dsl' }, (b) => {
      const users = b.table('users', { key: S, value: USER, store: 'users-store' })
      const clicks = b.stream('clicks', { key: S, value: S })
      clicks.join(users, (click, user, key) => `${key}:${click}:${user.name}`).to('joined', { value: S })
      clicks.leftJoin(users, (click, user, key) => `${key}:${click}:${user?.name ?? 'unknown'}`).to('left-joined', { value: S })
    })
    expect(topology.subtopologies).toHaveLength(1)
    expect(topology.internalTopics).toEqual([{ name: 'dsl-users-store-changelog', kind: 'changelog', store: 'users-store', windowed: false }])
    await withDriver(topology, { backend }, async (driver) => {
      const users = driver.createInputTopic('users', S, USER)
      const clicks = driver.createInputTopic('clicks', S, S)
      await clicks.pipeInput('u1', 'early', 1, HEADERS)
      await users.pipeInput('u1', { name: 'Ann' }, 2)
      await users.pipeInput('u2', { name: 'Bob' }, 3)
      await clicks.pipeInput('u1', 'home', 10, HEADERS)
      await clicks.pipeInput('u2', 'cart', 11, HEADERS)
      await users.pipeInput('u1', { name: 'Anna' }, 12)
      await users.pipeRaw([{ key: Buffer.from('u2'), value: null, timestamp: 13 }]) // tombstone: u2 leaves the table
      await clicks.pipeInput('u1', 'pay', 14, HEADERS)
      await clicks.pipeInput('u2', 'back', 15, HEADERS)
      await clicks.pipeInput('u3', 'who', 16, HEADERS)
      expect(readAll(driver.createOutputTopic('joined', S, S))).toEqual([
        { key: 'u1', value: 'u1:home:Ann', timestamp: 10, trace: 'trace-1' },
        { key: 'u2', value: 'u2:cart:Bob', timestamp: 11, trace: 'trace-1' },
        { key: 'u1', value: 'u1:pay:Anna', timestamp: 14, trace: 'trace-1' },
      ])
      expect(readAll(driver.createOutputTopic('left-joined', S, S))).toEqual([
        { key: 'u1', value: 'u1:early:unknown', timestamp: 1, trace: 'trace-1' },
        { key: 'u1', value: 'u1:home:Ann', timestamp: 10, trace: 'trace-1' },
        { key: 'u2', value: 'u2:cart:Bob', timestamp: 11, trace: 'trace-1' },
        { key: 'u1', value: 'u1:pay:Anna', timestamp: 14, trace: 'trace-1' },
        { key: 'u2', value: 'u2:back:unknown', timestamp: 15, trace: 'trace-1' },
        { key: 'u3', value: 'u3:who:unknown', timestamp: 16, trace: 'trace-1' },
      ])
      expect(entries(await collect(driver.getKeyValueStore<string, User>('users-store').all()))).toEqual([['u1', { name: 'Anna' }]])
    })
  })

  test('a join after a key change repartitions the stream first', async () => {
    const topology = defineTopology({ applicationId: 'dsl' }, (b) => {
      const users = b.table('users', { key: S, value: S })
      b.stream('clicks', { key: S, value: S })
        .selectKey((_key, user) => user)
        .join(users, (page, name) => `${name} saw ${page}`)
        .to('joined', { value: S })
    })
    expect(topology.internalTopics.map((topic) => topic.name)).toEqual(['dsl-clicks-join-repartition', 'dsl-users-table-changelog'])
    expect(topology.subtopologies).toHaveLength(2)
    await withDriver(topology, { backend }, async (driver) => {
      await driver.createInputTopic('users', S, S).pipeInput('u1', 'Ann', 1)
      await driver.createInputTopic('clicks', S, S).pipeInput('home', 'u1', 2, HEADERS)
      expect(driver.topicContents('dsl-clicks-join-repartition').map((r) => r.key?.toString())).toEqual(['u1'])
      expect(readAll(driver.createOutputTopic('joined', S, S))).toEqual([{ key: 'u1', value: 'Ann saw u1', timestamp: 2, trace: 'trace-1' }])
    })
  })

  test('to() writes with the given serdes and partitioner', async () => {
    const topology = defineTopology({ applicationId: 'dsl' }, (b) => {
      const s = b.stream('in', { key: S, value: ITEM })
      s.mapValues((item) => item.n).to('longs', { value: serdes.long() })
      s.mapValues((item) => item.n).to('ints', { value: serdes.int(), partitioner: (key, n, count) => (key.length + n) % count })
      s.map((key, item) => [item.n, `${key}/${item.word}`]).to('keyed-by-double', { key: serdes.double(), value: S })
    })
    await withDriver(topology, { backend }, async (driver) => {
      await driver.createInputTopic('in', S, ITEM).pipeInput('k', { n: 258, word: 'w' }, 7, HEADERS)
      const [long] = driver.topicContents('longs')
      expect(long.key).toEqual(Buffer.from('k'))
      expect(long.value).toEqual(Buffer.from([0, 0, 0, 0, 0, 0, 1, 2]))
      expect(long.timestamp).toBe(7)
      expect(long.partition).toBeUndefined()
      const [int] = driver.topicContents('ints')
      expect(int.value).toEqual(Buffer.from([0, 0, 1, 2]))
      expect(int.partition).toBe(0)
      const [double] = driver.topicContents('keyed-by-double')
      expect(double.key?.readDoubleBE()).toBe(258)
      expect(double.value?.toString()).toBe('k/w')
    })
  })

  test('to() without a known serde fails when the topology is defined', () => {
    expect(() =>
      defineTopology({ applicationId: 'dsl' }, (b) => {
        b.stream('in', { key: S, value: S })
          .map((key, value) => [value, key] as const)
          .to('out')
      }),
    ).toThrow(TopologyError)
    expect(() =>
      defineTopology({ applicationId: 'dsl' }, (b) => {
        b.stream('in', { key: S, value: S })
          .mapValues((value) => value.length)
          .to('out')
      }),
    ).toThrow(/to\("out"\) needs a value serde/)
  })
})
