import { describe, expect, test } from 'vitest'
import { defineTopology, serdes, type Serde, type Topology } from 'sluice'
import type { TopologyTestDriver } from 'sluice/testing'
import { BACKENDS, collect, entries, withDriver } from '../helpers/driver.js'

interface User {
  region: string
  spent: number
  name: string
}

const S = serdes.string()
const USER = serdes.json<User>()
const L = serdes.long()

/** Pipes an update of a user (null: the user is deleted). */
async function update(driver: TopologyTestDriver, key: string, user: User | null, timestamp: number): Promise<void> {
  await driver.createInputTopic('users', S, USER).pipeRaw([{ key: Buffer.from(key), value: user === null ? null : Buffer.from(JSON.stringify(user)), timestamp }])
}

const user = (region: string, spent = 0, name = 'x'): User => ({ region, spent, name })

function perRegion(): Topology {
  return defineTopology({ applicationId: 'gt' }, (b) => {
    const byRegion = b.table('users', { key: S, value: USER }).groupBy((_id, u) => [u.region, u] as const, { key: S, value: USER })
    byRegion.count({ store: 'users-per-region' }).toStream().to('counts', { value: L })
    byRegion
      .aggregate(
        () => 0,
        (_region, u, total) => total + u.spent,
        (_region, u, total) => total - u.spent,
        { value: L, store: 'spent-per-region' },
      )
      .toStream()
      .to('spent', { value: L })
    byRegion
      .reduce(
        (names, u) => ({ ...names, name: [names.name, u.name].sort().join(',') }),
        (names, u) => {
          const rest = names.name.split(',').filter((name) => name !== u.name)
          return rest.length === 0 ? null : { ...names, name: rest.join(',') }
        },
        { store: 'names-per-region' },
      )
      .toStream()
      .mapValues((u: User | null): string | null => u?.name ?? null)
      .to('names', { value: serdes.json<string | null>() })
  })
}

function drain<V>(driver: TopologyTestDriver, topic: string, value: Serde<V>): [string, V][] {
  return driver
    .createOutputTopic(topic, S, value)
    .readKeyValuesToList()
    .map(({ key, value }) => [key, value])
}

describe.each(BACKENDS)('KTable.groupBy on %s', (backend) => {
  test('count: a row moving to another group leaves its old one; a deleted row leaves its group; empty groups stay at 0', async () => {
    await withDriver(perRegion(), { backend }, async (driver) => {
      await update(driver, 'u1', user('north'), 1)
      await update(driver, 'u2', user('north'), 2)
      await update(driver, 'u3', user('south'), 3)
      await update(driver, 'u1', user('south'), 4)
      await update(driver, 'u2', null, 5)
      await update(driver, 'u9', null, 6) // never there: nothing changes
      expect(drain(driver, 'counts', L)).toEqual([
        ['north', 1],
        ['north', 2],
        ['south', 1],
        ['north', 1], // u1 leaves north first ...
        ['south', 2], // ... then joins south
        ['north', 0],
      ])
      expect(entries(await collect(driver.getKeyValueStore<string, number>('users-per-region').all()))).toEqual([
        ['north', 0],
        ['south', 2],
      ])
    })
  })

  test('an update within the same group subtracts the old value and adds the new one, emitted once', async () => {
    await withDriver(perRegion(), { backend }, async (driver) => {
      await update(driver, 'u1', user('north', 10), 1)
      await update(driver, 'u2', user('north', 5), 2)
      await update(driver, 'u1', user('north', 3), 3)
      await update(driver, 'u2', user('east', 5), 4)
      expect(drain(driver, 'spent', L)).toEqual([
        ['north', 10],
        ['north', 15],
        ['north', 8], // 15 - 10 + 3, one update
        ['north', 3],
        ['east', 5],
      ])
      expect(drain(driver, 'counts', L)).toEqual([
        ['north', 1],
        ['north', 2],
        ['north', 2],
        ['north', 1],
        ['east', 1],
      ])
    })
  })

  test('reduce with a subtractor; a group reduced to null is deleted', async () => {
    await withDriver(perRegion(), { backend }, async (driver) => {
      await update(driver, 'u1', user('north', 0, 'ann'), 1)
      await update(driver, 'u2', user('north', 0, 'bob'), 2)
      await update(driver, 'u1', user('south', 0, 'ann'), 3)
      await update(driver, 'u2', null, 4)
      expect(drain(driver, 'names', serdes.json<string | null>())).toEqual([
        ['north', 'ann'],
        ['north', 'ann,bob'],
        ['north', 'bob'],
        ['south', 'ann'],
        ['north', null],
      ])
      expect(entries(await collect(driver.getKeyValueStore<string, User>('names-per-region').all())).map(([region, u]) => [region, u.name])).toEqual([['south', 'ann']])
    })
  })

  test('describe() shows the repartition topic, the store of each row’s group and the aggregates’ stores', () => {
    const topology = perRegion()
    const described = topology.describe()
    expect(described).toContain('Processor: table-group-by-3 (stores: [users-table-group-by-previous])\n      --> table-group-by-repartition-sink-4')
    expect(described).toContain('Source: table-group-by-repartition-source-5 (topics: [gt-users-table-group-by-repartition])')
    expect(topology.internalTopics.map((topic) => topic.name)).toEqual([
      'gt-users-table-group-by-repartition',
      'gt-users-table-changelog',
      'gt-users-table-group-by-previous-changelog',
      'gt-users-per-region-changelog',
      'gt-spent-per-region-changelog',
      'gt-names-per-region-changelog',
    ])
  })

  test('after a restart each row’s group is restored, so a later update still subtracts from the right group', async () => {
    const topology = perRegion()
    const changelogs: { [topic: string]: { key: Buffer | null; value: Buffer | null }[] } = {}
    await withDriver(topology, { backend }, async (driver) => {
      await update(driver, 'u1', user('north', 7), 1)
      await driver.commit()
      for (const topic of topology.internalTopics) changelogs[topic.name] = driver.topicContents(topic.name).map((record) => ({ key: record.key, value: record.value }))
    })
    await withDriver(topology, { backend, restoreChangelogs: changelogs }, async (driver) => {
      await update(driver, 'u1', user('south', 2), 2)
      expect(drain(driver, 'spent', L)).toEqual([
        ['north', 0],
        ['south', 2],
      ])
    })
  })
})
