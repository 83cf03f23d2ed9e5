import { afterAll, describe, expect, it } from 'vitest'
import { serdes } from '../../src/serde/serdes.js'
import type { BackendKind } from '../../src/state/backend.js'
import { createBackend } from '../../src/state/backends/create-backend.js'
import { CachedKeyValueStore, CachedWindowStore, isKeyValueStore, isWindowStore, openStore } from '../../src/state/open-store.js'
import type { StoreSpec } from '../../src/state/store.js'
import { ALL_BACKENDS, bytesSerde, collect, kvSpec, rocksDbAvailable, TempDirs, windowSpec } from './helpers.js'

const rocks = await rocksDbAvailable()
const dirs = new TempDirs()
afterAll(() => dirs.cleanup())

async function openKv<V>(kind: BackendKind, spec: StoreSpec<string, V>): Promise<CachedKeyValueStore<string, V>> {
  const store = await openStore(spec, await dirs.location(kind, spec.name))
  if (!isKeyValueStore<string, V>(store)) throw new Error('expected a key-value store')
  return store
}

async function openWindow<V>(kind: BackendKind, spec: StoreSpec<string, V>): Promise<CachedWindowStore<string, V>> {
  const store = await openStore(spec, await dirs.location(kind, spec.name))
  if (!isWindowStore<string, V>(store)) throw new Error('expected a window store')
  return store
}

const keysOf = <K>(rows: { key: K }[]) => rows.map((row) => row.key)

for (const kind of ALL_BACKENDS) {
  describe.skipIf(kind === 'rocksdb' && !rocks)(`${kind} backend`, () => {
    describe('key-value store', () => {
      it('gets, puts and deletes, before and after flush', async () => {
        const store = await openKv(kind, kvSpec('kv', serdes.json<{ n: number }>()))
        expect(store.backend.kind).toBe(kind)
        expect(store.get('a')).toBeUndefined()
        store.put('a', { n: 1 })
        store.put('b', { n: 2 })
        expect(store.get('a')).toEqual({ n: 1 })
        await store.flush()
        expect(store.get('a')).toEqual({ n: 1 })
        store.put('a', { n: 3 })
        expect(store.delete('b')).toEqual({ n: 2 })
        expect(store.get('b')).toBeUndefined()
        expect(store.delete('missing')).toBeUndefined()
        await store.flush()
        expect(store.get('a')).toEqual({ n: 3 })
        expect(store.get('b')).toBeUndefined()
        expect(store.backend.getSync(Buffer.from('b'))).toBeUndefined()
        expect(JSON.parse(store.backend.getSync(Buffer.from('a'))!.toString())).toEqual({ n: 3 })
        // put(key, null) deletes, as in Kafka Streams.
        store.put('a', null as unknown as { n: number })
        expect(store.get('a')).toBeUndefined()
        await store.close()
      })

      it('scans ranges with inclusive and open bounds, merging flushed and unflushed rows', async () => {
        const store = await openKv(kind, kvSpec('range', serdes.string()))
        for (const key of ['a', 'c', 'e']) store.put(key, `v${key}`)
        await store.flush()
        // Unflushed: an insert, an update and a deletion over flushed rows.
        store.put('b', 'vb')
        store.put('d', 'vd')
        store.put('c', 'vc2')
        store.delete('e')
        store.put('f', 'vf')
        expect(keysOf(await collect(store.range('b', 'd')))).toEqual(['b', 'c', 'd'])
        expect(await collect(store.range('b', 'd'))).toEqual([
          { key: 'b', value: 'vb' },
          { key: 'c', value: 'vc2' },
          { key: 'd', value: 'vd' },
        ])
        expect(keysOf(await collect(store.range(undefined, 'b')))).toEqual(['a', 'b'])
        expect(keysOf(await collect(store.range('d', undefined)))).toEqual(['d', 'f'])
        expect(keysOf(await collect(store.range(undefined, undefined)))).toEqual(['a', 'b', 'c', 'd', 'f'])
        expect(keysOf(await collect(store.range('bb', 'dd')))).toEqual(['c', 'd'])
        expect(keysOf(await collect(store.range('e', 'e')))).toEqual([])
        expect(keysOf(await collect(store.range('x', 'z')))).toEqual([])
        await store.flush()
        expect(keysOf(await collect(store.range('b', 'd')))).toEqual(['b', 'c', 'd'])
        expect(keysOf(await collect(store.range('c', undefined)))).toEqual(['c', 'd', 'f'])
        await store.close()
      })

      it('scans by prefix, including prefixes ending in 0xff', async () => {
        const store = await openKv(kind, kvSpec('prefix', serdes.string()))
        for (const key of ['u', 'user', 'user:1', 'user:2', 'userx', 'usr', 'v']) store.put(key, key)
        await store.flush()
        store.put('user:3', 'user:3')
        store.delete('user:1')
        expect(keysOf(await collect(store.prefixScan('user:')))).toEqual(['user:2', 'user:3'])
        expect(keysOf(await collect(store.prefixScan(Buffer.from('user'))))).toEqual(['user', 'user:2', 'user:3', 'userx'])
        expect(keysOf(await collect(store.prefixScan('')))).toEqual(['u', 'user', 'user:2', 'user:3', 'userx', 'usr', 'v'])
        expect(keysOf(await collect(store.prefixScan('nothing')))).toEqual([])
        await store.close()

        const bytes = await openStore(
          { name: 'bytes', type: 'keyValue', keySerde: bytesSerde, valueSerde: serdes.string(), logging: true },
          await dirs.location(kind, 'bytes'),
        )
        if (!isKeyValueStore<Buffer, string>(bytes)) throw new Error('expected a key-value store')
        for (const key of [[0xfe], [0xfe, 0xff], [0xff], [0xff, 0x01], [0xff, 0xff], [0xff, 0xff, 0x00]]) bytes.put(Buffer.from(key), 'x')
        await bytes.flush()
        const hex = async (prefix: number[]) => (await collect(bytes.prefixScan(Buffer.from(prefix)))).map((row) => row.key.toString('hex'))
        expect(await hex([0xff])).toEqual(['ff', 'ff01', 'ffff', 'ffff00'])
        expect(await hex([0xff, 0xff])).toEqual(['ffff', 'ffff00'])
        expect(await hex([0xfe])).toEqual(['fe', 'feff'])
        await bytes.close()
      })

      it('orders all() by serialized key bytes', async () => {
        const store = await openKv(kind, kvSpec('order', serdes.string()))
        // JS string order differs from UTF-8 byte order for '\uffff' vs an astral character.
        const keys = ['😀', '\uffff', 'b', 'B', 'é', 'a', 'aa', '', '10', '9']
        keys.forEach((key, i) => store.put(key, String(i)))
        const expected = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))
        expect(expected.indexOf('\uffff')).toBeLessThan(expected.indexOf('😀'))
        expect(keysOf(await collect(store.all()))).toEqual(expected)
        await store.flush()
        expect(keysOf(await collect(store.all()))).toEqual(expected)
        await store.close()
      })

      it('counts entries approximately', async () => {
        const store = await openKv(kind, kvSpec('count', serdes.string()))
        expect(await store.approximateNumEntries()).toBe(0)
        for (let i = 0; i < 10; i++) store.put(`k${i}`, 'v')
        expect(await store.approximateNumEntries()).toBe(10)
        await store.flush()
        expect(await store.approximateNumEntries()).toBe(10)
        for (let i = 0; i < 3; i++) store.delete(`k${i}`)
        expect(await store.approximateNumEntries()).toBe(7)
        await store.flush()
        const count = await store.approximateNumEntries()
        // LevelDB and memory count exactly; RocksDB's estimate drifts with deletes until compaction.
        if (kind === 'rocksdb') expect(count).toBeGreaterThanOrEqual(0)
        else expect(count).toBe(7)
        await store.close()
      })
    })

    describe('window store', () => {
      const SIZE = 10_000
      const RETENTION = 120_000 // segments of 60 s

      it('fetches single windows, key time ranges and all keys', async () => {
        const store = await openWindow(kind, windowSpec('win', serdes.json<number>(), SIZE, RETENTION))
        expect(store.segmentIntervalMs).toBe(60_000)
        store.put('a', 1, 0)
        store.put('a', 2, 50_000)
        store.put('a', 3, 60_000) // next segment
        store.put('b', 4, 10_000)
        store.put('ab', 5, 70_000)
        expect(store.fetch('a', 50_000)).toBe(2)
        expect(store.fetch('a', 10_000)).toBeUndefined()
        expect(store.fetch('zz', 0)).toBeUndefined()
        await store.flush()
        store.put('a', 6, 100_000) // unflushed
        expect(store.fetch('a', 60_000)).toBe(3)

        const windows = (rows: { key: { key: string; window: { start: number; end: number } }; value: number }[]) =>
          rows.map((row) => `${row.key.key}@${row.key.window.start}-${row.key.window.end}=${row.value}`)
        expect(windows(await collect(store.fetchRange('a', 0, 200_000)))).toEqual([
          'a@0-10000=1',
          'a@50000-60000=2',
          'a@60000-70000=3',
          'a@100000-110000=6',
        ])
        expect(windows(await collect(store.fetchRange('a', 50_000, 60_000)))).toEqual(['a@50000-60000=2', 'a@60000-70000=3'])
        expect(windows(await collect(store.fetchRange('a', 50_001, 59_999)))).toEqual([])
        expect(windows(await collect(store.fetchRange('b', 0, 200_000)))).toEqual(['b@10000-20000=4'])
        // By segment, then key bytes (length first), then start.
        expect(windows(await collect(store.fetchAll(0, 200_000)))).toEqual([
          'a@0-10000=1',
          'a@50000-60000=2',
          'b@10000-20000=4',
          'a@60000-70000=3',
          'a@100000-110000=6',
          'ab@70000-80000=5',
        ])
        expect(windows(await collect(store.fetchAll(10_000, 60_000)))).toEqual(['a@50000-60000=2', 'b@10000-20000=4', 'a@60000-70000=3'])
        expect(await collect(store.all())).toEqual(await collect(store.fetchAll(0, Number.MAX_SAFE_INTEGER)))

        store.put('a', null, 50_000)
        expect(store.fetch('a', 50_000)).toBeUndefined()
        expect(windows(await collect(store.fetchRange('a', 40_000, 60_000)))).toEqual(['a@60000-70000=3'])
        await store.flush()
        expect(windows(await collect(store.fetchRange('a', 40_000, 60_000)))).toEqual(['a@60000-70000=3'])
        await store.close()
      })

      it('expires windows: never returned, then deleted from the backend by segment', async () => {
        const store = await openWindow(kind, windowSpec('expiry', serdes.json<number>(), SIZE, RETENTION))
        const backendRows = async () => (await collect(store.backend.entries({}))).length
        for (const start of [0, 30_000, 60_000, 90_000]) store.put('a', start, start)
        await store.flush()
        expect(await backendRows()).toBe(4)

        // Stream time 200 s: windows starting at or before 80 s are expired.
        store.put('b', 200_000, 200_000)
        expect(store.observedStreamTime).toBe(200_000)
        for (const start of [0, 30_000, 60_000]) expect(store.fetch('a', start)).toBeUndefined()
        expect(store.fetch('a', 90_000)).toBe(90_000)
        expect((await collect(store.fetchRange('a', 0, 300_000))).map((row) => row.key.window.start)).toEqual([90_000])
        expect((await collect(store.all())).map((row) => `${row.key.key}@${row.key.window.start}`)).toEqual(['a@90000', 'b@200000'])
        // A put into an expired window is dropped, as in Kafka Streams.
        store.put('a', 1, 10_000)
        expect(store.fetch('a', 10_000)).toBeUndefined()
        const changes = await store.flush()
        expect(changes).toHaveLength(1)
        // Segment 0 (0 s..60 s) is wholly expired and gone; segment 1 still holds the live 90 s window.
        expect(await backendRows()).toBe(3)

        store.put('c', 250_000, 250_000)
        await store.flush()
        expect(await backendRows()).toBe(2)
        expect((await collect(store.all())).map((row) => `${row.key.key}@${row.key.window.start}`)).toEqual(['b@200000', 'c@250000'])
        await store.close()
      })

      it('requires a window size and a retention', async () => {
        const location = await dirs.location(kind, 'bad')
        const spec = windowSpec('bad', serdes.string(), SIZE, RETENTION)
        await expect(openStore({ ...spec, windowSizeMs: undefined }, location)).rejects.toThrow(/windowSizeMs/)
        await expect(openStore({ ...spec, retentionMs: undefined }, location)).rejects.toThrow(/retentionMs/)
        await expect(openStore({ ...spec, retentionMs: SIZE - 1 }, location)).rejects.toThrow(/retentionMs/)
      })
    })
  })
}

describe('createBackend', () => {
  it('builds the backend named by the location, creating directories for persistent ones', async () => {
    const location = await dirs.location('leveldb', 'created')
    const backend = createBackend(location)
    expect(backend.kind).toBe('leveldb')
    await backend.open()
    await backend.write([{ key: Buffer.from('k'), value: Buffer.from('v') }])
    expect(backend.getSync(Buffer.from('k'))?.toString()).toBe('v')
    await backend.close()
    expect(createBackend({ directory: '/nonexistent/never/created', backend: 'memory' }).kind).toBe('memory')
    expect(() => createBackend({ directory: '/tmp', backend: 'nope' as BackendKind })).toThrow(/unknown store backend/)
  })

  it('lets spec.backend override the location backend', async () => {
    const store = await openStore({ ...kvSpec('override', serdes.string()), backend: 'memory' }, await dirs.location('leveldb', 'override'))
    expect(isKeyValueStore(store) && store.backend.kind).toBe('memory')
    await store.close()
  })
})
