import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { serdes, type Serde } from 'sluice'
import { openStore, type OpenedStore } from '../../../src/state/open-store.js'
import { toJson } from '../../../src/state/query/json-value.js'
import { queryStorePage, type StoreInstance } from '../../../src/state/query/query-store.js'
import { readAllPages } from '../../../src/state/query/store-pages.js'
import type { PageRequest, StoreRequest, StoreResult, StoreRow } from '../../../src/state/query/store-request.js'
import { StoreRequestError } from '../../../src/state/query/store-request-text.js'
import type { StoreSpec } from '../../../src/state/store.js'

const dirs: string[] = []
const opened: OpenedStore[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()))
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

/** A value serde whose reads must be prepared first, counting what it was asked to prepare. */
function preparedSerde(prepared: { count: number }): Serde<string> {
  const known = new Set<string>()
  return {
    name: 'prepared-string',
    serialize: (_topic, value) => Buffer.from(value),
    deserialize: (_topic, data) => {
      const text = (data as Buffer).toString()
      if (!known.has(text)) throw new Error(`${text} was not prepared`)
      return text
    },
    prepare: async (_topic, batch) => {
      for (const data of batch) if (data) known.add(data.toString())
      prepared.count += batch.length
    },
  }
}

const keyValueSpec = (valueSerde: Serde<string> = serdes.string()): StoreSpec =>
  ({ name: 'words', type: 'keyValue', keySerde: serdes.string(), valueSerde, logging: false }) as unknown as StoreSpec

/** Two tasks' instances on LevelDB; half of each one's entries flushed to disk, half still in the cache. */
async function keyValueInstances(spec: StoreSpec, entries: number, value: (key: string) => string = (key) => `value of ${key}`): Promise<StoreInstance[]> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-pages-'))
  dirs.push(dir)
  const instances: StoreInstance[] = []
  for (const task of ['0_1', '0_0']) {
    const store = await openStore(spec, { directory: join(dir, task), backend: 'leveldb' })
    opened.push(store)
    if (store.storeType !== 'keyValue') throw new Error('expected a key-value store')
    const keys = Array.from({ length: entries }, (_, i) => `${task}-key-${String(i).padStart(4, '0')}`)
    for (const key of keys.slice(0, entries / 2)) store.put(key, value(key))
    await store.flush()
    for (const key of keys.slice(entries / 2)) store.put(key, value(key))
    instances.push({ task, store })
  }
  return instances
}

async function allPages(spec: StoreSpec, instances: StoreInstance[], request: StoreRequest, page: Omit<PageRequest, 'cursor'>): Promise<StoreResult[]> {
  const pages: StoreResult[] = []
  let cursor: string | undefined
  do {
    const result = await queryStorePage(spec, 'words', instances, request, { ...page, cursor })
    pages.push(result)
    cursor = result.next
  } while (cursor !== undefined && pages.length < 10_000)
  return pages
}

const rowsOf = (pages: readonly StoreResult[]): StoreRow[] => pages.flatMap((page) => ('rows' in page ? page.rows : []))

describe('store reads in pages', () => {
  test('every entry exactly once across pages, in task then key order, no page over its limit', async () => {
    const spec = keyValueSpec()
    const instances = await keyValueInstances(spec, 50)
    const whole = await queryStorePage(spec, 'words', instances, { op: 'range' }, { limit: Infinity, maxBytes: Infinity })
    expect('rows' in whole && whole.rows).toHaveLength(100)
    expect(whole.next).toBeUndefined()
    const pages = await allPages(spec, instances, { op: 'range' }, { limit: 7, maxBytes: Infinity })
    expect(pages.every((page) => 'rows' in page && page.rows.length <= 7)).toBe(true)
    expect(pages.length).toBe(Math.ceil(100 / 7))
    const keys = rowsOf(pages).map((row) => `${row.task}/${String(row.key)}`)
    expect(keys).toEqual('rows' in whole ? whole.rows.map((row) => `${row.task}/${String(row.key)}`) : [])
    expect(keys[0]).toBe('0_0/0_0-key-0000')
    expect(new Set(keys).size).toBe(100)

    // Bounds and prefixes page the same way.
    const bounded = rowsOf(await allPages(spec, instances, { op: 'range', from: '0_1-key-0010', to: '0_1-key-0029' }, { limit: 3, maxBytes: Infinity }))
    expect(bounded.map((row) => row.key)).toEqual(Array.from({ length: 20 }, (_, i) => `0_1-key-${String(i + 10).padStart(4, '0')}`))
    const prefixed = rowsOf(await allPages(spec, instances, { op: 'prefix', prefix: '0_0-key-002' }, { limit: 4, maxBytes: Infinity }))
    expect(prefixed.map((row) => row.key)).toEqual(Array.from({ length: 10 }, (_, i) => `0_0-key-002${i}`))
  })

  test('an answer stops before the entry that would take its JSON past the byte cap, and goes on from there', async () => {
    const spec = keyValueSpec()
    const instances = await keyValueInstances(spec, 40, (key) => `${key}:${'x'.repeat(1000)}`)
    const maxBytes = 10_000
    const pages = await allPages(spec, instances, { op: 'range' }, { limit: 1000, maxBytes })
    for (const page of pages) expect(Buffer.byteLength(toJson(page))).toBeLessThanOrEqual(maxBytes)
    expect(pages.length).toBeGreaterThan(8)
    expect(rowsOf(pages).map((row) => row.key)).toEqual([...['0_0', '0_1'].flatMap((task) => Array.from({ length: 40 }, (_, i) => `${task}-key-${String(i).padStart(4, '0')}`))])
    // One entry larger than the cap still comes, alone: a read always moves on.
    const single = await queryStorePage(spec, 'words', instances, { op: 'range' }, { limit: 1000, maxBytes: 10 })
    expect('rows' in single && single.rows.length).toBe(1)
    expect(single.next).toBeDefined()
  })

  test('a page prepares only its own stored bytes (no pass over the rest of the store per page)', async () => {
    const prepared = { count: 0 }
    const spec = keyValueSpec(preparedSerde(prepared))
    const instances = await keyValueInstances(keyValueSpec(), 200)
    const pages = await allPages(spec, instances, { op: 'range' }, { limit: 10, maxBytes: Infinity })
    expect(rowsOf(pages)).toHaveLength(400)
    // Only the 200 flushed entries are in the backends; each is prepared once (a page's last one
    // may be again), where preparing to the range's end per page would come to thousands.
    expect(prepared.count).toBeGreaterThanOrEqual(200)
    expect(prepared.count).toBeLessThanOrEqual(200 + pages.length)
    const count = await readAllPages((cursor) => queryStorePage(spec, 'words', instances, { op: 'count' }, { cursor, limit: 15, maxBytes: Infinity }))
    expect('count' in count && count.perTask).toEqual([
      { task: '0_0', count: 200 },
      { task: '0_1', count: 200 },
    ])
  })

  test('window stores page by backend key order, one key or all keys', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-pages-'))
    dirs.push(dir)
    const spec = { name: 'windows', type: 'window', keySerde: serdes.string(), valueSerde: serdes.long(), logging: false, windowSizeMs: 60_000, retentionMs: 3_600_000 } as unknown as StoreSpec
    const store = await openStore(spec, { directory: join(dir, '1_0'), backend: 'leveldb' })
    opened.push(store)
    if (store.storeType !== 'window') throw new Error('expected a window store')
    for (let minute = 0; minute < 50; minute++) for (const key of ['a', 'b', 'c']) store.put(key, minute, 1_704_067_200_000 + minute * 60_000)
    await store.flush()
    const instances = [{ task: '1_0', store }]
    const whole = rowsOf([await queryStorePage(spec, 'windows', instances, { op: 'fetch' }, { limit: Infinity, maxBytes: Infinity })])
    expect(whole).toHaveLength(150)
    expect(rowsOf(await allPages(spec, instances, { op: 'fetch' }, { limit: 11, maxBytes: Infinity }))).toEqual(whole)
    const ofB = rowsOf(await allPages(spec, instances, { op: 'fetch', key: 'b' }, { limit: 4, maxBytes: Infinity }))
    expect(ofB.map((row) => row.value)).toEqual(Array.from({ length: 50 }, (_, i) => i))
  })

  test('a malformed cursor or limit is a request error', async () => {
    const spec = keyValueSpec()
    const instances = await keyValueInstances(spec, 2)
    await expect(queryStorePage(spec, 'words', instances, { op: 'range' }, { cursor: 'not a cursor', limit: 5, maxBytes: 1000 })).rejects.toThrow(StoreRequestError)
    for (const cursor of ['0_x.AA', '00_1.AA', '0_1', '0_1.A+A']) {
      await expect(queryStorePage(spec, 'words', instances, { op: 'range' }, { cursor, limit: 5, maxBytes: 1000 }), cursor).rejects.toThrow(StoreRequestError)
    }
    await expect(queryStorePage(spec, 'words', instances, { op: 'range' }, { limit: 0, maxBytes: 1000 })).rejects.toThrow(StoreRequestError)
  })
})
