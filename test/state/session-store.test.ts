import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { defineTopology, serdes, Stores } from 'sluice'
import type { ActiveTask } from '../../src/runtime/kafka/task-manager.js'
import { LocalStoreQueries } from '../../src/runtime/query/local-store-queries.js'
import { StoppedStateReader } from '../../src/runtime/query/stopped-state-reader.js'
import type { BackendKind } from '../../src/state/backend.js'
import { CachedSessionStore, isSessionStore, openStore, type OpenedStore } from '../../src/state/open-store.js'
import { queryStorePage } from '../../src/state/query/query-store.js'
import { readAllPages } from '../../src/state/query/store-pages.js'
import { storeRequestFromText } from '../../src/state/query/store-request-text.js'
import type { StoreSpec } from '../../src/state/store.js'
import { describeTopology } from '../../src/topology/describe.js'
import { ALL_BACKENDS, collect, rocksDbAvailable, TempDirs } from './helpers.js'

const rocks = await rocksDbAvailable()
const dirs = new TempDirs()
afterAll(() => dirs.cleanup())

const RETENTION = 100_000

function sessionSpec(name: string, retentionMs = RETENTION): StoreSpec<string, number> {
  return Stores.session(name, { key: serdes.string(), value: serdes.json<number>(), retention: retentionMs })
}

async function openSession(kind: BackendKind, spec: StoreSpec<string, number>, location?: Awaited<ReturnType<TempDirs['location']>>): Promise<CachedSessionStore<string, number>> {
  const store = await openStore(spec, location ?? (await dirs.location(kind, spec.name)))
  if (!isSessionStore<string, number>(store)) throw new Error('expected a session store')
  return store
}

const session = (key: string, start: number, end: number) => ({ key, window: { start, end } })
const texts = (rows: { key: { key: string; window: { start: number; end: number } }; value: number }[]) =>
  rows.map((row) => `${row.key.key}[${row.key.window.start},${row.key.window.end}]=${row.value}`)

for (const kind of ALL_BACKENDS) {
  describe.skipIf(kind === 'rocksdb' && !rocks)(`session store on ${kind}`, () => {
    it('puts, fetches exact sessions, finds the sessions of a key overlapping a span, removes', async () => {
      const store = await openSession(kind, sessionSpec('sessions'))
      expect(store.backend.kind).toBe(kind)
      store.put(session('a', 0, 10), 1)
      store.put(session('a', 30, 45), 2)
      store.put(session('a', 100, 100), 3)
      store.put(session('b', 5, 50), 4)
      expect(store.fetchSession('a', 30, 45)).toBe(2)
      expect(store.fetchSession('a', 30, 44)).toBeUndefined()
      expect(store.fetchSession('b', 5, 50)).toBe(4)
      for (const flushed of [false, true]) {
        if (flushed) await store.flush()
        // Ending at or after 10, starting at or before 30: both bounds inclusive.
        expect(texts(await collect(store.findSessions('a', 10, 30)))).toEqual(['a[0,10]=1', 'a[30,45]=2'])
        expect(texts(await collect(store.findSessions('a', 11, 29)))).toEqual([])
        expect(texts(await collect(store.findSessions('a', 46, 200)))).toEqual(['a[100,100]=3'])
        expect(texts(await collect(store.findSessions('a', 0, Number.MAX_SAFE_INTEGER)))).toEqual(['a[0,10]=1', 'a[30,45]=2', 'a[100,100]=3'])
        expect(texts(await collect(store.fetch('b')))).toEqual(['b[5,50]=4'])
        expect(texts(await collect(store.fetch('c')))).toEqual([])
        // All keys by end time: sessions ending in [10, 50].
        expect(texts(await collect(store.findAllSessions(10, 50))).sort()).toEqual(['a[0,10]=1', 'a[30,45]=2', 'b[5,50]=4'])
      }
      store.remove(session('a', 30, 45))
      store.put(session('b', 5, 50), null)
      expect(store.fetchSession('a', 30, 45)).toBeUndefined()
      expect(texts(await collect(store.all())).sort()).toEqual(['a[0,10]=1', 'a[100,100]=3'])
      const changes = await store.flush()
      expect(changes.filter((change) => change.value === null)).toHaveLength(2)
      expect(texts(await collect(store.all())).sort()).toEqual(['a[0,10]=1', 'a[100,100]=3'])
      expect(() => store.put(session('a', 10, 5), 1)).toThrow(/cannot end \(5\) before it starts \(10\)/)
      expect(() => store.put(session('a', -1, 5), 1)).toThrow(/session start must be a non-negative integer/)
      await store.close()
    })

    it('expires sessions whose end is more than the retention behind the newest end, then deletes their segments', async () => {
      const store = await openSession(kind, sessionSpec('expiry'))
      store.put(session('a', 0, 40_000), 1)
      store.put(session('a', 50_000, 90_000), 2)
      store.put(session('b', 95_000, 140_000), 3)
      // Newest end 140 000, retention 100 000: an end of 40 000 is exactly at the edge and lives.
      expect(store.fetchSession('a', 0, 40_000)).toBe(1)
      store.put(session('c', 140_001, 140_001), 4)
      expect(store.observedStreamTime).toBe(140_001)
      expect(store.fetchSession('a', 0, 40_000)).toBeUndefined()
      expect(texts(await collect(store.fetch('a')))).toEqual(['a[50000,90000]=2'])
      // A put into an expired session is dropped.
      store.put(session('a', 10_000, 20_000), 9)
      expect(texts(await collect(store.findSessions('a', 0, 30_000)))).toEqual([])
      await store.flush()
      // Segments are 60 s of session ends: segment 0 (ends up to 59 999) is wholly expired once
      // the newest end passes 160 000.
      store.put(session('c', 170_000, 170_000), 5)
      await store.flush()
      const raw = await collect(store.backend.entries({}))
      const segments = raw.map(([key]) => key.readUInt32BE(0) * 2 ** 32 + key.readUInt32BE(4))
      expect(segments).not.toContain(0)
      expect(segments).toContain(1)
      expect(texts(await collect(store.all())).sort()).toEqual(['a[50000,90000]=2', 'b[95000,140000]=3', 'c[140001,140001]=4', 'c[170000,170000]=5'])
      await store.close()
    })

    it('logs [len][key][end][start] changelog keys, restores them into a fresh store and recovers its stream time on reopen', async () => {
      const source = await openSession(kind, sessionSpec('source'))
      source.put(session('a', 0, 10), 1)
      source.put(session('bb', 20, 70_000), 2)
      source.put(session('a', 65_000, 80_000), 3)
      source.remove(session('a', 0, 10))
      const changes = await source.flush()
      expect(changes.map((change) => change.key.length)).toEqual([1 + 4 + 16, 2 + 4 + 16, 1 + 4 + 16])
      expect(changes.map((change) => change.key.readUInt32BE(0))).toEqual([1, 2, 1])
      expect(changes[0].value).toBeNull()

      for (const target of ALL_BACKENDS) {
        if (target === 'rocksdb' && !rocks) continue
        const location = await dirs.location(target, `restored-${target}`)
        const restored = await openSession(target, sessionSpec('restored'), location)
        await restored.restore(changes)
        expect(restored.observedStreamTime).toBe(80_000)
        expect(restored.fetchSession('a', 0, 10)).toBeUndefined()
        expect(restored.fetchSession('a', 65_000, 80_000)).toBe(3)
        expect(texts(await collect(restored.all())).sort()).toEqual(texts(await collect(source.all())).sort())
        // Restored data is not a change to log again.
        expect(await restored.flush()).toEqual([])
        await restored.close()
        if (target === 'memory') continue
        const reopened = await openSession(target, sessionSpec('restored'), location)
        expect(reopened.observedStreamTime).toBe(80_000)
        expect(texts(await collect(reopened.findSessions('bb', 0, 100)))).toEqual(['bb[20,70000]=2'])
        await reopened.close()
      }
      // Restoring past the retention drops the expired sessions.
      const late = await openSession(kind, sessionSpec('late', 1_000))
      await late.restore(changes)
      expect(texts(await collect(late.all()))).toEqual(['a[65000,80000]=3'])
      await Promise.all([source.close(), late.close()])
    })

    it('is read by the store query layer: sessions overlapping [from, to], decoded, paged', async () => {
      const store = await openSession(kind, sessionSpec('query'))
      store.put(session('a', 0, 10), 1)
      store.put(session('a', 30, 45), 2)
      store.put(session('b', 5, 50), 4)
      await store.flush()
      store.put(session('a', 100, 120), 5)
      const spec = store.spec
      const instances = [{ task: '0_0', store: store as unknown as OpenedStore }]
      const read = async (text: { key?: string; from?: string; to?: string }) => {
        const request = await storeRequestFromText(spec, 'query', 'fetch', text)
        return readAllPages((cursor) => queryStorePage(spec, 'query', instances, request, { cursor, limit: 1, maxBytes: Infinity }))
      }
      expect(await read({ key: 'a', from: '40', to: '100' })).toEqual({
        store: 'query',
        type: 'session',
        rows: [
          { task: '0_0', key: 'a', window: { start: 30, end: 45 }, value: 2 },
          { task: '0_0', key: 'a', window: { start: 100, end: 120 }, value: 5 },
        ],
      })
      const all = await read({})
      expect('rows' in all && all.rows.map((row) => `${String(row.key)}[${row.window?.start},${row.window?.end}]`).sort()).toEqual(['a[0,10]', 'a[100,120]', 'a[30,45]', 'b[5,50]'])
      const count = await readAllPages((cursor) => queryStorePage(spec, 'query', instances, { op: 'count' }, { cursor, limit: 2, maxBytes: Infinity }))
      expect('count' in count && count.count).toBe(4)
      await expect(queryStorePage(spec, 'query', instances, { op: 'get', key: 'a' }, { limit: 10, maxBytes: Infinity })).rejects.toThrow(/is a session store: use fetch/)
      await store.close()
    })
  })
}

describe('session stores in topologies', () => {
  const topology = () =>
    defineTopology({ applicationId: 'sessions-app' }, (b) => {
      b.stream('events', { key: serdes.string(), value: serdes.string() }).process(() => ({ process: () => undefined }), {
        stores: [Stores.session('visits', { key: serdes.string(), value: serdes.json<number>(), retention: '10m' })],
      })
    })

  it('are described with their retention and get a compact,delete changelog', () => {
    const text = describeTopology(topology())
    expect(text).toContain('visits (session, retention 600000 ms, changelog: sessions-app-visits-changelog)')
    expect(topology().internalTopics).toContainEqual({ name: 'sessions-app-visits-changelog', kind: 'changelog', store: 'visits', windowed: true })
  })

  it('are read by interactive queries across the local tasks', async () => {
    const spec = topology().storeSpec('visits') as StoreSpec<string, number>
    const stores = await Promise.all(['0_0', '0_1'].map(async (task) => ({ task, store: await openSession('memory', spec, await dirs.location('memory', `iq-${task}`)) })))
    stores[0].store.put(session('alice', 1_000, 5_000), 3)
    stores[0].store.put(session('alice', 30_000, 30_000), 1)
    stores[1].store.put(session('bob', 2_000, 2_500), 2)
    const tasks = stores.map(({ task, store }) => ({ task: { taskId: task, stores: new Map([['visits', store]]) } })) as unknown as ActiveTask[]
    const queries = new LocalStoreQueries(topology(), { unavailable: () => undefined, withTasks: (section) => section(tasks) })
    const visits = queries.sessionStore<string, number>('visits')
    expect(await visits.fetch('alice')).toEqual([
      { key: session('alice', 1_000, 5_000), value: 3 },
      { key: session('alice', 30_000, 30_000), value: 1 },
    ])
    expect(await visits.findSessions('alice', 5_001, 40_000)).toEqual([{ key: session('alice', 30_000, 30_000), value: 1 }])
    expect((await visits.all()).map((row) => row.key.key)).toEqual(['alice', 'alice', 'bob'])
    expect(await visits.count()).toBe(3)
    expect(() => queries.windowStore('visits')).toThrow('store visits is a session store: use sessionStore("visits")')
    expect(() => queries.keyValueStore('visits')).toThrow('store visits is a session store: use sessionStore("visits")')
    // Listings count the backend's entries, as for window stores: what the last commit flushed.
    for (const { store } of stores) await store.flush()
    expect((await queries.list()).map(({ name, type, tasks: local }) => ({ name, type, tasks: local }))).toEqual([
      { name: 'visits', type: 'session', tasks: [{ task: '0_0', approximateEntries: 2 }, { task: '0_1', approximateEntries: 1 }] },
    ])
    for (const { store } of stores) await store.close()
  })

  it('are listed and read by `sluice store` on a stopped application', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'sluice-session-state-'))
    try {
      const spec = topology().storeSpec('visits')
      const store = await openSession('leveldb', spec as StoreSpec<string, number>, { directory: join(stateDir, 'sessions-app', '0_0', 'visits'), backend: 'leveldb' })
      store.put(session('alice', 1_000, 5_000), 3)
      await store.flush()
      await store.close()
      const reader = new StoppedStateReader(topology(), { stateDir, backend: 'leveldb' })
      const [listing] = await reader.list()
      expect(listing).toMatchObject({ name: 'visits', type: 'session', tasks: [{ task: '0_0', approximateEntries: 1 }] })
      expect(await reader.query('visits', { op: 'fetch', key: 'alice' })).toEqual({
        store: 'visits',
        type: 'session',
        rows: [{ task: '0_0', key: 'alice', window: { start: 1_000, end: 5_000 }, value: 3 }],
      })
    } finally {
      await rm(stateDir, { recursive: true, force: true })
    }
  })
})
