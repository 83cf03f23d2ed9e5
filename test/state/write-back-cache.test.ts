import { afterAll, describe, expect, it, vi } from 'vitest'
import { serdes } from '../../src/serde/serdes.js'
import { LevelDbBackend } from '../../src/state/backends/leveldb.js'
import { MemoryBackend } from '../../src/state/backends/memory.js'
import { CachedKeyValueStore } from '../../src/state/key-value-store.js'
import { isKeyValueStore, isWindowStore, openStore } from '../../src/state/open-store.js'
import { CachedWindowStore } from '../../src/state/window-store.js'
import { WriteBackCache } from '../../src/state/write-back-cache.js'
import { collect, kvSpec, TempDirs, windowSpec } from './helpers.js'

const dirs = new TempDirs()
afterAll(() => dirs.cleanup())

const text = (change: { key: Buffer; value: Buffer | null }) => [change.key.toString(), change.value === null ? null : change.value.toString()]
const stringCodec = { serialize: (value: string) => Buffer.from(value), deserialize: (data: Buffer) => data.toString() }
const b = (s: string) => Buffer.from(s)

async function levelDbStore(name: string, options: { cacheMaxEntries?: number; maxDirty?: number } = {}) {
  const location = await dirs.location('leveldb', name)
  const backend = new LevelDbBackend(location.directory)
  const store = new CachedKeyValueStore(kvSpec(name, serdes.string()), backend, options)
  await store.open()
  return { store, backend, location }
}

describe('write-back cache', () => {
  it('flushes all dirty entries as one batch: latest value per key, first-dirtied order, deletes as null', async () => {
    const { store, backend } = await levelDbStore('flush')
    const write = vi.spyOn(backend, 'write')
    store.put('c', 'c1')
    store.put('a', 'a1')
    store.put('b', 'b1')
    store.put('c', 'c2') // already dirty: keeps its place
    store.put('a', 'a2')
    store.delete('b')
    store.put('d', 'd1')
    expect(write).not.toHaveBeenCalled()
    const changes = await store.flush()
    expect(write).toHaveBeenCalledTimes(1)
    expect(write.mock.calls[0][0]).toHaveLength(4)
    expect(changes.map(text)).toEqual([
      ['c', 'c2'],
      ['a', 'a2'],
      ['b', null],
      ['d', 'd1'],
    ])
    // Nothing dirty: nothing written, nothing to log.
    expect(await store.flush()).toEqual([])
    expect(write).toHaveBeenCalledTimes(1)
    // After a flush, order starts over.
    store.put('d', 'd2')
    store.put('a', 'a3')
    expect((await store.flush()).map(text)).toEqual([
      ['d', 'd2'],
      ['a', 'a3'],
    ])
    expect(write).toHaveBeenCalledTimes(2)
    await store.close()
  })

  it('serves reads after flush and after reopening the same LevelDB directory', async () => {
    const { store, location } = await levelDbStore('reopen')
    for (let i = 0; i < 100; i++) store.put(`k${String(i).padStart(3, '0')}`, `v${i}`)
    store.delete('k050')
    await store.flush()
    expect(store.get('k007')).toBe('v7')
    await store.close()

    const again = await openStore(kvSpec('reopen', serdes.string()), location)
    if (!isKeyValueStore<string, string>(again)) throw new Error('expected a key-value store')
    expect(again.get('k007')).toBe('v7')
    expect(again.get('k050')).toBeUndefined()
    expect(await again.approximateNumEntries()).toBe(99)
    expect((await collect(again.all())).length).toBe(99)
    await again.close()
  })

  it('discards unflushed changes on close', async () => {
    const { store, location } = await levelDbStore('discard')
    store.put('kept', 'x')
    await store.flush()
    store.put('lost', 'y')
    await store.close()
    const again = await openStore(kvSpec('discard', serdes.string()), location)
    if (!isKeyValueStore<string, string>(again)) throw new Error('expected a key-value store')
    expect(again.get('kept')).toBe('x')
    expect(again.get('lost')).toBeUndefined()
    await again.close()
  })

  it('asks for a flush once more entries than the limit are dirty', async () => {
    const { store } = await levelDbStore('threshold', { maxDirty: 3 })
    store.put('a', '1')
    store.put('b', '1')
    store.put('c', '1')
    store.put('a', '2')
    expect(store.needsFlush()).toBe(false)
    store.put('d', '1')
    expect(store.needsFlush()).toBe(true)
    await store.flush()
    expect(store.needsFlush()).toBe(false)
    await store.close()
  })

  it('prefetches missing keys with one getMany, after which reads never hit the backend', async () => {
    const { store, backend } = await levelDbStore('prefetch')
    for (let i = 0; i < 10; i++) store.put(`k${i}`, `v${i}`)
    await store.flush()
    await store.close()
    await store.open() // empty cache over the same files
    expect(store.get('k0')).toBe('v0') // read through, now cached
    const getMany = vi.spyOn(backend, 'getMany')
    const getSync = vi.spyOn(backend, 'getSync')
    const keys = ['k0', 'k1', 'k2', 'k3', 'k3', 'absent']
    await store.prefetch(keys)
    expect(getMany).toHaveBeenCalledTimes(1)
    expect(getMany.mock.calls[0][0].map((key) => key.toString())).toEqual(['k1', 'k2', 'k3', 'absent'])
    expect(keys.map((key) => store.get(key))).toEqual(['v0', 'v1', 'v2', 'v3', 'v3', undefined])
    expect(getSync).not.toHaveBeenCalled()
    await store.prefetch(keys)
    expect(getMany).toHaveBeenCalledTimes(1)
    await store.close()
  })

  it('restores changelog records straight to the backend, replacing cached values', async () => {
    const { store, backend } = await levelDbStore('restore')
    store.put('old', 'x')
    await store.flush()
    expect(store.get('cached')).toBeUndefined() // a cached miss
    const write = vi.spyOn(backend, 'write')
    await store.restore([
      { key: b('cached'), value: b('c1') },
      { key: b('old'), value: null },
      { key: b('new'), value: b('n1') },
      { key: b('new'), value: b('n2') },
    ])
    expect(write).toHaveBeenCalledTimes(1)
    expect(store.get('cached')).toBe('c1')
    expect(store.get('old')).toBeUndefined()
    expect(store.get('new')).toBe('n2')
    // Restored data is not a change to log again.
    expect(await store.flush()).toEqual([])
    await store.close()
  })

  it('restores window stores from segment-less changelog keys', async () => {
    const spec = windowSpec('win-restore', serdes.string(), 1000, 600_000)
    const source = await openStore(spec, await dirs.location('memory', 'source'))
    const target = await openStore(spec, await dirs.location('leveldb', 'target'))
    if (!isWindowStore<string, string>(source) || !isWindowStore<string, string>(target)) throw new Error('expected window stores')
    source.put('a', 'a0', 0)
    source.put('b', 'b1', 400_000)
    source.put('a', 'a2', 700_000)
    source.put('a', null, 0)
    const changes = await source.flush()
    // [len 4][key][start 8]: no segment in the changelog.
    expect(changes.map((change) => change.key.length)).toEqual([13, 13, 13])
    expect(changes.map((change) => change.key.readUInt32BE(0))).toEqual([1, 1, 1])
    await target.restore(changes)
    expect(target.observedStreamTime).toBe(700_000)
    expect(target.fetch('b', 400_000)).toBe('b1')
    expect(target.fetch('a', 700_000)).toBe('a2')
    expect(target.fetch('a', 0)).toBeUndefined()
    expect(await collect(target.all())).toEqual(await collect(source.all()))
    // A reopened persistent window store recovers its observed stream time from disk.
    const location = await dirs.location('leveldb', 'recover')
    const persistent = await openStore(spec, location)
    await persistent.restore(changes)
    await persistent.close()
    const reopened = await openStore(spec, location)
    if (!isWindowStore(reopened)) throw new Error('expected a window store')
    expect(reopened.observedStreamTime).toBe(700_000)
    await Promise.all([source.close(), target.close(), reopened.close()])
  })

  it('prefetches windows with one getMany', async () => {
    const location = await dirs.location('leveldb', 'win-prefetch')
    const backend = new LevelDbBackend(location.directory)
    const store = new CachedWindowStore(windowSpec('win-prefetch', serdes.string(), 1000, 100_000), backend)
    await store.open()
    for (let i = 0; i < 5; i++) store.put(`k${i}`, `v${i}`, i * 1000)
    await store.flush()
    await store.close()
    await store.open()
    const getMany = vi.spyOn(backend, 'getMany')
    const getSync = vi.spyOn(backend, 'getSync')
    await store.prefetch([0, 1, 2, 3, 4].map((i) => ({ key: `k${i}`, windowStart: i * 1000 })))
    expect(getMany).toHaveBeenCalledTimes(1)
    expect([0, 1, 2, 3, 4].map((i) => store.fetch(`k${i}`, i * 1000))).toEqual(['v0', 'v1', 'v2', 'v3', 'v4'])
    expect(getSync).not.toHaveBeenCalled()
    await store.close()
  })

  it('counts hits, misses (reads and prefetched keys that went to the backend) and evictions', async () => {
    const backend = new MemoryBackend()
    await backend.open()
    const cache = new WriteBackCache(backend, stringCodec, { maxEntries: 10 })
    for (let i = 0; i < 25; i++) cache.put(b(`k${String(i).padStart(2, '0')}`), `v${i}`)
    await cache.flush()
    const evicted = 25 - cache.size
    expect(cache.stats).toEqual({ hits: 0, misses: 0, evictions: evicted })
    expect(evicted).toBeGreaterThanOrEqual(15)
    const small = new WriteBackCache(backend, stringCodec)
    small.put(b('a'), 'a1')
    expect(small.get(b('a'))).toBe('a1')
    expect(small.stats).toEqual({ hits: 1, misses: 0, evictions: 0 })
    expect(small.get(b('absent'))).toBeUndefined()
    expect(small.stats.misses).toBe(1)
    // An absent key is cached too: the second read is a hit.
    expect(small.get(b('absent'))).toBeUndefined()
    expect(small.stats.hits).toBe(2)
    await small.prefetch([b('k00'), b('a'), b('p1')])
    expect(small.stats.misses).toBe(3)
  })

  it('evicts clean entries beyond its size, never dirty ones', async () => {
    const backend = new MemoryBackend()
    await backend.open()
    const cache = new WriteBackCache(backend, stringCodec, { maxEntries: 10 })
    for (let i = 0; i < 25; i++) cache.put(b(`k${String(i).padStart(2, '0')}`), `v${i}`)
    expect(cache.size).toBe(25)
    await cache.flush()
    expect(cache.size).toBeLessThanOrEqual(10)
    const getSync = vi.spyOn(backend, 'getSync')
    for (let i = 0; i < 25; i++) expect(cache.get(b(`k${String(i).padStart(2, '0')}`))).toBe(`v${i}`)
    expect(getSync.mock.calls.length).toBeGreaterThanOrEqual(15)
    expect(cache.size).toBeLessThanOrEqual(10)
  })

  describe('bounded in bytes', () => {
    const MiB = 1024 * 1024
    const bigKey = (i: number) => Buffer.alloc(MiB, String.fromCharCode(97 + (i % 26))).fill(String(i).padStart(4, '0'), 0, 4)

    it('evicts clean entries by bytes: 1 MiB keys in an 8 MiB cache keep at most 8 MiB, whatever the entry limit', async () => {
      const backend = new MemoryBackend()
      await backend.open()
      const cache = new WriteBackCache(backend, stringCodec, { maxBytes: 8 * MiB })
      for (let i = 0; i < 40; i++) {
        cache.put(bigKey(i), `v${i}`)
        // Dirty entries past half of the bound ask for the commit that flushes them.
        if (cache.needsFlush()) await cache.flush()
        expect(cache.sizeInBytes).toBeLessThanOrEqual(8 * MiB + MiB)
      }
      await cache.flush()
      expect(cache.sizeInBytes).toBeLessThanOrEqual(8 * MiB)
      expect(cache.size).toBeLessThanOrEqual(8)
      // Reads of evicted keys go to the backend and are bounded the same way.
      for (let i = 0; i < 40; i++) expect(cache.get(bigKey(i))).toBe(`v${i}`)
      expect(cache.sizeInBytes).toBeLessThanOrEqual(8 * MiB + MiB)
    })

    it('asks for a flush once the dirty entries hold more than half of maxBytes, and not before', async () => {
      const cache = new WriteBackCache(new MemoryBackend(), stringCodec, { maxBytes: 8 * MiB })
      for (let i = 0; i < 3; i++) cache.put(bigKey(i), 'v')
      expect(cache.dirtySizeInBytes).toBeLessThanOrEqual(3 * MiB + 4096)
      expect(cache.needsFlush()).toBe(false)
      cache.put(bigKey(3), 'v')
      expect(cache.needsFlush()).toBe(true)
      await cache.flush()
      expect(cache.needsFlush()).toBe(false)
      expect(cache.dirtySizeInBytes).toBe(0)
    })

    it('counts large values: by estimate before the first flush, by their serialized size after', async () => {
      const objectCodec = { serialize: (value: { text: string }) => Buffer.from(JSON.stringify(value)), deserialize: (data: Buffer) => JSON.parse(data.toString()) as { text: string } }
      const cache = new WriteBackCache(new MemoryBackend(), objectCodec, { maxBytes: 64 * MiB })
      cache.put(b('a'), { text: 'x'.repeat(MiB) })
      expect(cache.sizeInBytes).toBeGreaterThan(MiB)
      expect(cache.sizeInBytes).toBeLessThan(MiB + 1024)
      await cache.flush()
      // {"text":"..."}: the million characters and 11 more.
      expect(cache.sizeInBytes).toBe(MiB + 11 + 1 + 96)
      cache.put(b('a'), { text: '' })
      await cache.flush()
      expect(cache.sizeInBytes).toBe(11 + 1 + 96)
      // Invalidated and cleared entries no longer count.
      cache.invalidate([b('a')])
      expect(cache.sizeInBytes).toBe(0)
    })

    it('refuses a bound below one byte', () => {
      expect(() => new WriteBackCache(new MemoryBackend(), stringCodec, { maxBytes: 0 })).toThrow(/maxBytes/)
    })
  })

  it('keeps entries dirty when the batch write fails', async () => {
    const backend = new MemoryBackend()
    await backend.open()
    const cache = new WriteBackCache(backend, stringCodec)
    cache.put(b('a'), '1')
    cache.put(b('b'), '1')
    vi.spyOn(backend, 'write').mockRejectedValueOnce(new Error('disk full'))
    await expect(cache.flush()).rejects.toThrow('disk full')
    expect(cache.dirtyCount).toBe(2)
    cache.put(b('c'), '1')
    expect((await cache.flush()).map(text)).toEqual([
      ['a', '1'],
      ['b', '1'],
      ['c', '1'],
    ])
    expect(backend.getSync(b('a'))?.toString()).toBe('1')
  })

  it('merges dirty entries into backend scans', async () => {
    const backend = new MemoryBackend()
    await backend.open()
    await backend.write(['a', 'c', 'e', 'g'].map((key) => ({ key: b(key), value: b(`${key}0`) })))
    const cache = new WriteBackCache(backend, stringCodec)
    cache.put(b('0'), 'new-first')
    cache.put(b('c'), undefined)
    cache.put(b('d'), 'new-d')
    cache.put(b('e'), 'e1')
    cache.put(b('z'), 'new-last')
    cache.put(b('y'), undefined) // deleting nothing
    const rows = async (gte?: string, lt?: string) =>
      (await collect(cache.scan(gte === undefined ? undefined : b(gte), lt === undefined ? undefined : b(lt)))).map(
        ([key, value]) => `${key.toString()}=${value}`,
      )
    expect(await rows()).toEqual(['0=new-first', 'a=a0', 'd=new-d', 'e=e1', 'g=g0', 'z=new-last'])
    expect(await rows('b', 'f')).toEqual(['d=new-d', 'e=e1'])
    expect(await rows('c', 'd')).toEqual([])
  })
})
