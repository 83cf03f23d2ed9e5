import { describe, expect, test } from 'vitest'
import { defineTopology, serdes, TimeWindows, TopologyError, type KTable, type Topology } from 'sluice'
import type { TopologyTestDriver } from 'sluice/testing'
import { BACKENDS, collect, entries, withDriver } from '../helpers/driver.js'

const S = serdes.string()
const J = serdes.json<string>()

type Kind = 'join' | 'leftJoin' | 'outerJoin'

/** Pipes a table update: a value, or null for a delete (a tombstone). */
async function update(driver: TopologyTestDriver, topic: string, key: string, value: string | null, timestamp: number): Promise<void> {
  await driver.createInputTopic(topic, S, J).pipeRaw([{ key: Buffer.from(key), value: value === null ? null : Buffer.from(JSON.stringify(value)), timestamp }])
}

/** Every record written to a topic since the last call: [key, value (null: a tombstone), timestamp]. */
function drain(driver: TopologyTestDriver, topic: string): [string, string | null, number][] {
  return driver
    .createOutputTopic(topic, S, J)
    .readRecordsToList()
    .map((record) => [record.key, record.value, record.timestamp])
}

const showJoined = (l: string | undefined, r: string | undefined) => `${l ?? 'null'},${r ?? 'null'}`

function tableJoin(kind: Kind, store?: string): Topology {
  return defineTopology({ applicationId: 'ttj' }, (b) => {
    const left = b.table('left', { key: S, value: J, store: 'left-store' })
    const right = b.table('right', { key: S, value: J, store: 'right-store' })
    const options = { store, value: J }
    const joined: KTable<string, string> =
      kind === 'join' ? left.join(right, showJoined, options) : kind === 'leftJoin' ? left.leftJoin(right, showJoined, options) : left.outerJoin(right, showJoined, options)
    joined.toStream().to('out', { value: J })
  })
}

/**
 * The input of the Kafka Streams join semantics page (cwiki "Kafka Streams Join Semantics"):
 * one key, updates in timestamp order; null is a delete.
 */
const EVENTS: [number, 'left' | 'right', string | null][] = [
  [1, 'left', null],
  [2, 'right', null],
  [3, 'left', 'A'],
  [4, 'right', 'a'],
  [5, 'left', 'B'],
  [6, 'right', 'b'],
  [7, 'left', null],
  [8, 'right', null],
  [9, 'left', 'C'],
  [10, 'right', 'c'],
  [11, 'right', null],
  [12, 'left', null],
  [13, 'right', null],
  [14, 'right', 'd'],
  [15, 'left', 'D'],
]

/** What each event leads to downstream (undefined: nothing), as Kafka Streams emits it. */
const KAFKA_STREAMS: { [kind in Kind]: (string | null | undefined)[] } = {
  join: [undefined, undefined, undefined, 'A,a', 'B,a', 'B,b', null, undefined, undefined, 'C,c', null, undefined, undefined, undefined, 'D,d'],
  leftJoin: [undefined, undefined, 'A,null', 'A,a', 'B,a', 'B,b', null, undefined, 'C,null', 'C,c', 'C,null', null, undefined, undefined, 'D,d'],
  outerJoin: [undefined, undefined, 'A,null', 'A,a', 'B,a', 'B,b', 'null,b', null, 'C,null', 'C,c', 'C,null', null, undefined, 'null,d', 'D,d'],
}

async function runEvents(driver: TopologyTestDriver): Promise<(string | null | undefined)[]> {
  const results: (string | null | undefined)[] = []
  for (const [timestamp, side, value] of EVENTS) {
    await update(driver, side, 'k', value, timestamp)
    const out = drain(driver, 'out')
    expect(out.length).toBeLessThanOrEqual(1)
    if (out.length === 1) expect(out[0][2]).toBe(timestamp)
    results.push(out.length === 0 ? undefined : out[0][1])
  }
  return results
}

describe.each(BACKENDS)('table-table joins on %s', (backend) => {
  test.each(['join', 'leftJoin', 'outerJoin'] as const)('%s materialized emits exactly what Kafka Streams emits, update by update and delete by delete', async (kind) => {
    await withDriver(tableJoin(kind, 'joined'), { backend }, async (driver) => {
      expect(await runEvents(driver)).toEqual(KAFKA_STREAMS[kind])
      expect(entries(await collect(driver.getKeyValueStore<string, string>('joined').all()))).toEqual([['k', 'D,d']])
    })
  })

  test.each(['join', 'leftJoin', 'outerJoin'] as const)('%s without a store emits the same rows; a delete of a row it never held may come as an extra tombstone', async (kind) => {
    await withDriver(tableJoin(kind), { backend }, async (driver) => {
      const results = await runEvents(driver)
      // Kafka Streams knows each side's old value and so skips deleting absent rows; without a
      // store of its own the join cannot tell, and forwards a tombstone, which changes nothing.
      const extra: { [kind in Kind]: number[] } = { join: [], leftJoin: [1], outerJoin: [1, 2, 13] }
      const expected = KAFKA_STREAMS[kind].map((value, index) => (extra[kind].includes(index + 1) ? null : value))
      expect(results).toEqual(expected)
    })
  })

  test('several keys: a join row per key, each side updated independently', async () => {
    await withDriver(tableJoin('leftJoin', 'joined'), { backend }, async (driver) => {
      await update(driver, 'left', 'u1', 'Ann', 1)
      await update(driver, 'left', 'u2', 'Bob', 2)
      await update(driver, 'right', 'u2', 'Paris', 3)
      await update(driver, 'right', 'u3', 'Rome', 4) // no left row: nothing in a left join
      await update(driver, 'right', 'u1', 'Oslo', 5)
      await update(driver, 'left', 'u2', null, 6)
      expect(drain(driver, 'out')).toEqual([
        ['u1', 'Ann,null', 1],
        ['u2', 'Bob,null', 2],
        ['u2', 'Bob,Paris', 3],
        ['u1', 'Ann,Oslo', 5],
        ['u2', null, 6],
      ])
      expect(entries(await collect(driver.getKeyValueStore<string, string>('joined').all()))).toEqual([['u1', 'Ann,Oslo']])
    })
  })

  test('describe() shows both inputs of the join, their stores and its own', () => {
    const described = tableJoin('outerJoin', 'joined').describe()
    expect(described).toContain('Processor: table-outer-join-this-5 (stores: [right-store])\n      --> table-outer-join-7\n      <-- table-2')
    expect(described).toContain('Processor: table-outer-join-other-6 (stores: [left-store])\n      --> table-outer-join-7\n      <-- table-4')
    expect(described).toContain('Processor: table-outer-join-7 (stores: [joined])')
    expect(described).toContain('joined (keyValue, changelog: ttj-joined-changelog)')
  })

  test('a join of derived tables reads through them: a filtered table and a mapped one', async () => {
    const topology = defineTopology({ applicationId: 'ttj' }, (b) => {
      const left = b.table('left', { key: S, value: J }).filter((_key, value) => !value.startsWith('x'))
      const right = b.table('right', { key: S, value: J }).mapValues((value) => value.toUpperCase())
      left.join(right, showJoined).toStream().to('out', { value: J })
    })
    // Both derived tables are read through the source tables' stores.
    expect(topology.describe()).toContain('Processor: table-join-this-7 (stores: [right-table])')
    expect(topology.describe()).toContain('Processor: table-join-other-8 (stores: [left-table])')
    await withDriver(topology, { backend }, async (driver) => {
      await update(driver, 'right', 'k', 'a', 1)
      await update(driver, 'left', 'k', 'xA', 2) // filtered out: the filter forwards a delete, and so does the join
      await update(driver, 'right', 'k', 'b', 3) // the left table (filtered) has no k
      await update(driver, 'left', 'k', 'A', 4)
      await update(driver, 'right', 'k', 'c', 5)
      await update(driver, 'left', 'k', 'xB', 6) // filtered out now: the row goes
      expect(drain(driver, 'out')).toEqual([
        ['k', null, 2],
        ['k', 'A,B', 4],
        ['k', 'A,C', 5],
        ['k', null, 6],
      ])
    })
  })

  test('a windowed aggregation (no store to read by key) cannot be joined', () => {
    expect(() =>
      defineTopology({ applicationId: 'ttj' }, (b) => {
        const counts = b.stream('left', { key: S, value: J }).groupByKey().windowedBy(TimeWindows.ofSize(10).noGrace()).count()
        counts.join(counts, (l, r) => l + r)
      }),
    ).toThrow(TopologyError)
  })
})

describe.each(BACKENDS)('table filter and mapValues on %s', (backend) => {
  function filtered(materialize: boolean): Topology {
    return defineTopology({ applicationId: 'tops' }, (b) => {
      const users = b.table('users', { key: S, value: J })
      users.filter((_key, value) => value.startsWith('active'), materialize ? { store: 'active' } : {}).toStream().to('kept', { value: J })
      users.filterNot((_key, value) => value.startsWith('active')).toStream().to('dropped', { value: J })
    })
  }

  test('filter forwards matching rows and deletes for everything else, as Kafka Streams', async () => {
    await withDriver(filtered(false), { backend }, async (driver) => {
      await update(driver, 'users', 'u1', 'active-1', 1)
      await update(driver, 'users', 'u2', 'idle-2', 2)
      await update(driver, 'users', 'u1', 'idle-1', 3)
      await update(driver, 'users', 'u2', null, 4)
      expect(drain(driver, 'kept')).toEqual([
        ['u1', 'active-1', 1],
        ['u2', null, 2], // dropped: a tombstone (the key may have matched before)
        ['u1', null, 3],
        ['u2', null, 4], // a delete passes as a delete
      ])
      expect(drain(driver, 'dropped')).toEqual([
        ['u1', null, 1],
        ['u2', 'idle-2', 2],
        ['u1', 'idle-1', 3],
        ['u2', null, 4],
      ])
    })
  })

  test('a materialized filter keeps its rows in its store and forwards only deletes of rows it held', async () => {
    await withDriver(filtered(true), { backend }, async (driver) => {
      await update(driver, 'users', 'u1', 'active-1', 1)
      await update(driver, 'users', 'u2', 'idle-2', 2)
      await update(driver, 'users', 'u3', 'active-3', 3)
      await update(driver, 'users', 'u1', 'idle-1', 4)
      await update(driver, 'users', 'u2', null, 5)
      await update(driver, 'users', 'u3', null, 6)
      expect(drain(driver, 'kept')).toEqual([
        ['u1', 'active-1', 1],
        ['u3', 'active-3', 3],
        ['u1', null, 4],
        ['u3', null, 6],
      ])
      expect(entries(await collect(driver.getKeyValueStore<string, string>('active').all()))).toEqual([])
    })
  })

  test('mapValues maps every update, passes deletes on, and a mapper returning null deletes the key', async () => {
    const topology = defineTopology({ applicationId: 'tops' }, (b) => {
      b.table('users', { key: S, value: J })
        .mapValues((value, key) => (value === 'gone' ? (null as unknown as string) : `${key}=${value.length}`), { store: 'lengths', value: J })
        .toStream()
        .to('out', { value: J })
    })
    expect(topology.describe()).toContain('Processor: table-map-values-3 (stores: [lengths])')
    await withDriver(topology, { backend }, async (driver) => {
      await update(driver, 'users', 'a', 'xyz', 1)
      await update(driver, 'users', 'b', 'pq', 2)
      await update(driver, 'users', 'a', null, 3)
      await update(driver, 'users', 'b', 'gone', 4)
      await update(driver, 'users', 'c', null, 5) // never held: nothing to delete
      expect(drain(driver, 'out')).toEqual([
        ['a', 'a=3', 1],
        ['b', 'b=2', 2],
        ['a', null, 3],
        ['b', null, 4],
      ])
      expect(entries(await collect(driver.getKeyValueStore<string, string>('lengths').all()))).toEqual([])
    })
  })

  test('a stream joins a derived table without a store of its own, reading through the source table', async () => {
    const topology = defineTopology({ applicationId: 'tops' }, (b) => {
      const active = b.table('users', { key: S, value: J }).filter((_key, value) => value.startsWith('active'))
      b.stream('clicks', { key: S, value: S })
        .leftJoin(active, (click, user) => `${click}:${user ?? 'none'}`)
        .to('out', { value: J })
    })
    expect(topology.describe()).toContain('(stores: [users-table])')
    await withDriver(topology, { backend }, async (driver) => {
      await update(driver, 'users', 'u1', 'active-1', 1)
      await update(driver, 'users', 'u2', 'idle-2', 2)
      const clicks = driver.createInputTopic('clicks', S, S)
      await clicks.pipeInput('u1', 'home', 3)
      await clicks.pipeInput('u2', 'cart', 4)
      expect(drain(driver, 'out').map(([key, value]) => [key, value])).toEqual([
        ['u1', 'home:active-1'],
        ['u2', 'cart:none'],
      ])
    })
  })

  test('a materialized mapValues needs a value serde for its store', () => {
    expect(() =>
      defineTopology({ applicationId: 'tops' }, (b) => {
        b.table('users', { key: S, value: J }).mapValues((value) => value.length, { store: 'lengths' })
      }),
    ).toThrow(/needs a value serde/)
  })
})
