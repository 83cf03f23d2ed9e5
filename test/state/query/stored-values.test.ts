import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { defineTopology, serdes, Stores, type Serde } from 'sluice'
import { StoppedStateReader } from '../../../src/runtime/query/stopped-state-reader.js'
import { openStore } from '../../../src/state/open-store.js'

interface Profile {
  count: number
  country: string
}

/**
 * A stand-in for a schema-registry serde: a payload is [schema id][JSON]. Reading needs the
 * writer's schema, which only the asynchronous prepare() fetches; v1 lacks `country`, which
 * the reader fills with its default, as an Avro reader schema does.
 */
function registrySerde(writerSchema: 1 | 2, fetched = new Set<number>(), calls: { topic: string; ids: number[] }[] = []): Serde<Profile> {
  return {
    name: 'registry-json',
    serialize: (_topic, value) => {
      const body = writerSchema === 1 ? { count: value.count } : value
      return Buffer.concat([Buffer.from([writerSchema]), Buffer.from(JSON.stringify(body))])
    },
    deserialize: (_topic, data) => {
      if (data === null) throw new Error('null payload')
      if (!fetched.has(data[0])) throw new Error(`schema ${data[0]} was not fetched: prepare() first`)
      const body = JSON.parse(data.subarray(1).toString()) as Partial<Profile>
      return { count: body.count ?? 0, country: body.country ?? 'unknown' }
    },
    prepare: async (topic, batch) => {
      await new Promise((resolve) => setTimeout(resolve, 1))
      const ids = batch.flatMap((data) => (data ? [data[0]] : []))
      calls.push({ topic, ids })
      for (const id of ids) fetched.add(id)
    },
  }
}

const dirs: string[] = []
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

function topologyWith(valueSerde: Serde<Profile>) {
  return defineTopology({ applicationId: 'profiles-app' }, (b) => {
    b.stream('events', { key: serdes.string(), value: serdes.string() }).process(() => ({ process: () => undefined }), {
      stores: [Stores.keyValue('profiles', { key: serdes.string(), value: valueSerde })],
    })
  })
}

describe('store values are decoded with the store value serde, prepared first', () => {
  test('values written with an older schema are read with the current one on a stopped application', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'sluice-stored-values-'))
    dirs.push(stateDir)
    // Task 0_0 holds values written with schema 1, task 0_1 with schema 2.
    for (const [task, schema, entries] of [
      ['0_0', 1, [['alice', 3], ['bob', 5]]],
      ['0_1', 2, [['carol', 7]]],
    ] as const) {
      const writer = topologyWith(registrySerde(schema, new Set([1, 2])))
      const store = await openStore(writer.stores.get('profiles') as never, { directory: join(stateDir, 'profiles-app', task, 'profiles'), backend: 'leveldb' })
      if (store.storeType !== 'keyValue') throw new Error('expected a key-value store')
      for (const [key, count] of entries) store.put(key, { count, country: 'NL' })
      await store.flush()
      await store.close()
    }

    const calls: { topic: string; ids: number[] }[] = []
    const reader = new StoppedStateReader(topologyWith(registrySerde(2, new Set(), calls)), { stateDir, backend: 'leveldb' })
    const bob = await reader.query('profiles', { op: 'get', key: 'bob' })
    expect(bob).toEqual({ store: 'profiles', type: 'keyValue', rows: [{ task: '0_0', key: 'bob', value: { count: 5, country: 'unknown' } }] })
    // The serde saw the raw bytes before decoding them, under the changelog topic's name.
    expect(calls[0]).toEqual({ topic: 'profiles-app-profiles-changelog', ids: [1] })

    const all = await reader.query('profiles', { op: 'range' })
    expect('rows' in all && all.rows).toEqual([
      { task: '0_0', key: 'alice', value: { count: 3, country: 'unknown' } },
      { task: '0_0', key: 'bob', value: { count: 5, country: 'unknown' } },
      { task: '0_1', key: 'carol', value: { count: 7, country: 'NL' } },
    ])
    const counted = await reader.query('profiles', { op: 'count' })
    expect('count' in counted && counted.count).toBe(3)
    expect(calls.flatMap((call) => call.ids)).toContain(2)
  })

  test('without prepare() the same serde cannot decode them (the test above depends on it)', async () => {
    const serde = registrySerde(2)
    const v1Bytes = registrySerde(1).serialize('t', { count: 1, country: 'NL' }) as Buffer
    expect(() => serde.deserialize('t', v1Bytes)).toThrow(/prepare\(\) first/)
    await serde.prepare?.('t', [v1Bytes])
    expect(serde.deserialize('t', v1Bytes)).toEqual({ count: 1, country: 'unknown' })
  })
})
