import { afterAll, describe, expect, it } from 'vitest'
import { serdes } from '../../src/serde/serdes.js'
import type { BackendKind } from '../../src/state/backend.js'
import type { ChangeRecord } from '../../src/state/managed-store.js'
import { isKeyValueStore, isWindowStore, openStore } from '../../src/state/open-store.js'
import { ALL_BACKENDS, collect, kvSpec, prng, rocksDbAvailable, TempDirs, windowSpec } from './helpers.js'

const rocks = await rocksDbAvailable()
const backends = ALL_BACKENDS.filter((kind) => kind !== 'rocksdb' || rocks)
const dirs = new TempDirs()
afterAll(() => dirs.cleanup())

const hex = (changes: ChangeRecord[]) => changes.map((change) => `${change.key.toString('hex')}=${change.value?.toString('hex') ?? 'null'}`)

interface Value {
  n: number
  tag: string
}

/** The same operations on every backend, with what each observed at every flush. */
type Trace = { changes: string[][]; contents: unknown[][]; count: number[] }

describe('identical store contents across backends', () => {
  it.skipIf(!rocks)('runs on all three backends', () => expect(backends).toEqual(['leveldb', 'memory', 'rocksdb']))

  it('key-value: same random puts, deletes and flushes give the same contents and changelog', async () => {
    const run = async (kind: BackendKind): Promise<Trace> => {
      // A small cache, so that evictions and read-throughs are part of the run.
      const store = await openStore(kvSpec('kv', serdes.json<Value>()), await dirs.location(kind, 'kv'), { cacheMaxEntries: 40 })
      if (!isKeyValueStore<string, Value>(store)) throw new Error('expected a key-value store')
      const random = prng(42)
      const trace: Trace = { changes: [], contents: [], count: [] }
      for (let op = 1; op <= 3000; op++) {
        const key = `key-${Math.floor(random() * 300)}`
        const roll = random()
        if (roll < 0.55) store.put(key, { n: op, tag: 'x'.repeat(Math.floor(random() * 5)) })
        else if (roll < 0.7) store.delete(key)
        else if (roll < 0.9) {
          // Read-modify-write, as an aggregation does.
          const old = store.get(key)
          store.put(key, { n: (old?.n ?? 0) + 1, tag: old?.tag ?? '' })
        } else store.get(key)
        if (op % 211 === 0) {
          trace.contents.push(await collect(store.all()))
          trace.changes.push(hex(await store.flush()))
          trace.contents.push(await collect(store.range('key-1', 'key-2')))
        }
      }
      trace.changes.push(hex(await store.flush()))
      trace.contents.push(await collect(store.all()))
      trace.contents.push(await collect(store.prefixScan('key-2')))
      trace.count.push(await store.approximateNumEntries())
      await store.close()
      return trace
    }
    const traces = await Promise.all(backends.map(run))
    expect(traces[0].contents.at(-2)!.length).toBeGreaterThan(100)
    for (let i = 1; i < traces.length; i++) {
      expect(traces[i].changes, backends[i]).toEqual(traces[0].changes)
      expect(traces[i].contents, backends[i]).toEqual(traces[0].contents)
    }
    // Exact counts where the backend counts keys (RocksDB only estimates).
    const counted = backends.map((kind, i) => [kind, traces[i].count[0]] as const).filter(([kind]) => kind !== 'rocksdb')
    for (const [, count] of counted) expect(count).toBe(traces[0].contents.at(-2)!.length)
  })

  it('window: same random window puts with expiry give the same contents and changelog', async () => {
    const run = async (kind: BackendKind): Promise<Trace> => {
      const store = await openStore(windowSpec('win', serdes.json<number>(), 10_000, 130_000), await dirs.location(kind, 'win'), {
        cacheMaxEntries: 50,
      })
      if (!isWindowStore<string, number>(store)) throw new Error('expected a window store')
      const random = prng(7)
      const trace: Trace = { changes: [], contents: [], count: [] }
      let time = 0
      for (let op = 1; op <= 3000; op++) {
        time += Math.floor(random() * 400)
        // Out of order by up to 150 s, so that some puts land in expired windows.
        const eventTime = Math.max(0, time - Math.floor(random() * 150_000))
        const windowStart = eventTime - (eventTime % 10_000)
        const key = `user-${Math.floor(random() * 20)}`
        if (random() < 0.1) store.put(key, null, windowStart)
        else store.put(key, (store.fetch(key, windowStart) ?? 0) + 1, windowStart)
        if (op % 197 === 0) {
          trace.contents.push(await collect(store.fetchRange('user-3', 0, time)))
          trace.changes.push(hex(await store.flush()))
          trace.contents.push(await collect(store.all()))
          trace.contents.push(await collect(store.fetchAll(time - 60_000, time)))
          trace.count.push((await collect(store.backend.entries({}))).length)
        }
      }
      await store.close()
      return trace
    }
    const traces = await Promise.all(backends.map(run))
    expect(traces[0].contents.at(-2)!.length).toBeGreaterThan(50)
    for (let i = 1; i < traces.length; i++) {
      expect(traces[i].changes, backends[i]).toEqual(traces[0].changes)
      expect(traces[i].contents, backends[i]).toEqual(traces[0].contents)
      // Expired segments are deleted alike: the backends hold the same number of rows.
      expect(traces[i].count, backends[i]).toEqual(traces[0].count)
    }
  })
})
