import { rm } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { defineTopology, KafkaStreams, serdes, StoreUnavailableError, Stores, UnknownStoreError, type KeyValueStore, type Serde } from 'sluice'
import { storeCommand } from '../../src/cli/store-command.js'
import { MAX_PAGE_BYTES } from '../../src/state/query/store-pages.js'
import { benchTransactions } from '../../bench/transactions.js'
import { categoryCounts } from '../../topologies/category-counts.js'
import { wordCounts } from './fixtures/word-counts-under-test.js'
import type { UserProfile } from '../../topologies/anomaly-scoring.js'
import { userAnomaly } from '../../topologies/user-anomaly.js'
import { BROKERS, createTopic, groupLag, produce, unique, waitFor } from './kafka-helpers.js'

const quiet = (): void => undefined

/** A fresh application id with its own input and output topics and state directory. */
async function newApplication(prefix: string, partitions: number) {
  const applicationId = unique(prefix)
  const names = { applicationId, input: `${applicationId}-input`, output: `${applicationId}-counts`, stateDir: join(tmpdir(), `${applicationId}-state`) }
  await createTopic(names.input, partitions)
  await createTopic(names.output, partitions)
  return names
}

describe('interactive queries in code (KafkaStreams#store, #windowStore)', () => {
  test('key-value store: get, range, prefix, all, count over every local task; clear errors', async () => {
    const { applicationId, input, output, stateDir } = await newApplication('iq-words', 3)
    // A long commit interval: the reads below happen before any commit, from the tasks' caches.
    const streams = new KafkaStreams(wordCounts(applicationId, input, output), { brokers: BROKERS, stateDir, commitIntervalMs: 60_000, log: quiet })
    expect(() => streams.store('no-such-store')).toThrow(UnknownStoreError)
    expect(() => streams.windowStore('word-counts')).toThrow(/key-value store: use store\("word-counts"\)/)
    const store = streams.store<string, number>('word-counts')
    await expect(store.get('apple')).rejects.toThrow(StoreUnavailableError)
    await expect(store.get('apple')).rejects.toThrow(/the application is CREATED/)

    const words = Array.from({ length: 300 }, (_, i) => `word-${String(i % 30).padStart(2, '0')}`)
    await produce(input, words.map((word) => ({ key: word, value: word })))
    try {
      await streams.start()
      await waitFor(async () => (await store.count()) === 30 && (await store.all()).every((entry) => entry.value === 10), 60_000, 'every word counted')
      expect(await groupLag(applicationId, [input])).toBe(300)
      expect(await store.get('word-07')).toBe(10)
      expect(await store.get('missing')).toBeUndefined()
      const all = await store.all()
      expect(all).toHaveLength(30)
      expect(all.every((entry) => entry.value === 10)).toBe(true)
      expect((await store.range('word-10', 'word-12')).map((entry) => entry.key).sort()).toEqual(['word-10', 'word-11', 'word-12'])
      expect((await store.prefix('word-2')).map((entry) => entry.key).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `word-2${i}`))
      expect(await store.count()).toBe(30)

      await produce(input, [{ key: 'word-07', value: 'word-07' }])
      await waitFor(async () => (await store.get('word-07')) === 11, 30_000, 'the new count')
    } finally {
      await streams.close()
      await rm(stateDir, { recursive: true, force: true })
    }
    await expect(store.count()).rejects.toThrow(/the application is STOPPED/)
  })

  test('window store and the HTTP endpoint of an in-process application', async () => {
    const { applicationId, input, output, stateDir } = await newApplication('iq-cc', 2)
    const topology = categoryCounts({ applicationId, inputTopic: input, outputTopic: output, grace: '30d' })
    const records = [...benchTransactions(1000, 5)]
    await produce(input, records.map(({ key, value }) => ({ key, value: JSON.stringify(value) })))
    const expected = new Map<string, number>()
    for (const { value } of records) {
      const key = `${value.category}@${Math.floor((value.unix_time * 1000) / 60_000) * 60_000}`
      expected.set(key, (expected.get(key) ?? 0) + 1)
    }
    const streams = new KafkaStreams(topology, { brokers: BROKERS, stateDir, queryPort: 0, log: quiet })
    try {
      const started = streams.start()
      // The endpoint opens first and answers 503 until the application runs.
      while (streams.queryUrl === undefined) await new Promise((resolve) => setTimeout(resolve, 2))
      const early = await fetch(`${streams.queryUrl}/stores/counts-per-category/count`)
      expect(early.status).toBe(503)
      expect(((await early.json()) as { error: string }).error).toMatch(/cannot be queried: the application is STARTING/)
      await started
      await waitFor(async () => (await groupLag(applicationId, [input, `${applicationId}-transactions-by-category-repartition`])) === 0, 120_000, 'consumed')
      const store = streams.windowStore<string, number>('counts-per-category')
      const windows = await store.all()
      expect(new Map(windows.map(({ key, value }) => [`${key.key}@${key.window.start}`, value]))).toEqual(expected)
      const travel = await store.fetch('travel')
      expect(travel.map(({ key }) => key.window.start)).toEqual([...travel.map(({ key }) => key.window.start)].sort((a, b) => a - b))
      expect(travel.every(({ key }) => key.key === 'travel')).toBe(true)
      expect(travel.reduce((sum, { value }) => sum + value, 0)).toBe(records.filter(({ value }) => value.category === 'travel').length)
      const first = Math.min(...windows.map(({ key }) => key.window.start))
      expect((await store.fetchAll(first, first)).every(({ key }) => key.window.start === first)).toBe(true)

      const url = streams.queryUrl as string
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const response = await fetch(`${url}/stores/counts-per-category/fetch?key=travel`)
      expect(response.status).toBe(200)
      const body = (await response.json()) as { rows: { key: string; window: { start: number }; value: number }[] }
      expect(body.rows.map((row) => [row.window.start, row.value])).toEqual(travel.map(({ key, value }) => [key.window.start, value]))
      expect((await fetch(`${url}/stores/nope/count`)).status).toBe(404)
      expect((await fetch(`${url}/stores/counts-per-category/get?key=travel`)).status).toBe(400)
      expect((await fetch(`${url}/stores/counts-per-category/fetch?from=yesterday`)).status).toBe(400)
      expect((await fetch(`${url}/elsewhere`)).status).toBe(404)
    } finally {
      await streams.close()
      await rm(stateDir, { recursive: true, force: true })
    }
  })

  test('results are copies: changing one changes neither the store nor what processing sees next', async () => {
    const { applicationId, input, output, stateDir } = await newApplication('iq-copies', 1)
    const streams = new KafkaStreams(userAnomaly({ applicationId, inputTopic: input, alertsTopic: output }), { brokers: BROKERS, stateDir, commitIntervalMs: 60_000, log: quiet })
    const card = '4000000000000042'
    const transactions = [...benchTransactions(5, 3)].map(({ value }, index) => ({ ...value, cc_num: card, trans_num: `t${index}` }))
    await produce(input, transactions.slice(0, 4).map((tx) => ({ key: card, value: JSON.stringify(tx) })))
    try {
      await streams.start()
      const profiles = streams.store<string, UserProfile>('user-profiles')
      await waitFor(async () => (await profiles.get(card))?.count === 4, 60_000, 'four transactions learned')
      const profile = (await profiles.get(card)) as UserProfile
      profile.count = -1
      profile.lastTransNums.length = 0
      expect((await profiles.get(card))?.count).toBe(4)
      // The cached profile was not touched: the fifth transaction is learned on top of four, and
      // a redelivered one is still recognized by its trans_num.
      await produce(input, [transactions[4], transactions[0]].map((tx) => ({ key: card, value: JSON.stringify(tx) })))
      await waitFor(async () => (await groupLag(applicationId, [input])) === 6 && (await profiles.get(card))?.count === 5, 60_000, 'the fifth transaction learned')
    } finally {
      await streams.close()
      await rm(stateDir, { recursive: true, force: true })
    }
  })

  test('a start that fails (a missing source topic) closes the query server it had opened', async () => {
    const applicationId = unique('iq-failed-start')
    const stateDir = join(tmpdir(), `${applicationId}-state`)
    const streams = new KafkaStreams(wordCounts(applicationId, `${applicationId}-missing`, `${applicationId}-out`), { brokers: BROKERS, stateDir, queryPort: 0, log: quiet })
    try {
      await expect(streams.start()).rejects.toThrow(/do not exist/)
      expect(streams.state).toBe('ERROR')
      const url = streams.queryUrl as string
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      await expect(fetch(`${url}/stores`)).rejects.toThrow()
    } finally {
      await rm(stateDir, { recursive: true, force: true })
    }
  })
})

/**
 * A store value serde that processing never trips on (it only writes, and values stay in the
 * cache) but reads do: "unreadable..." fails to decode, and "unprintable..." decodes to an object
 * whose JSON encoding throws.
 */
const trickyValues: Serde<unknown> = {
  name: 'tricky',
  serialize: (_topic, value) => Buffer.from(typeof value === 'string' ? value : 'unprintable'),
  deserialize: (_topic, data) => {
    const text = (data as Buffer).toString()
    if (text.startsWith('unreadable')) throw new Error('this stored value cannot be decoded')
    if (text.startsWith('unprintable')) return { toJSON: () => { throw new Error('this value cannot be written as JSON') } }
    return text
  },
}

/** Each record's value stored under its key, as it is. */
function blobStore(applicationId: string, input: string) {
  return defineTopology({ applicationId }, (b) => {
    b.stream(input, { key: serdes.string(), value: serdes.string() }).process<string, string>(
      () => {
        let store: KeyValueStore<string, unknown>
        return {
          init: (context) => void (store = context.getStateStore<KeyValueStore<string, unknown>>('blobs')),
          process: (record) => store.put(record.key, record.value),
        }
      },
      { stores: [Stores.keyValue('blobs', { key: serdes.string(), value: trickyValues })] },
    )
  })
}

/** A GET with headers fetch() would not send as given (Host). */
function rawGet(url: string, headers: { [name: string]: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { headers }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }))
      response.on('error', reject)
    })
    request.on('error', reject)
    request.end()
  })
}

describe('the query server of a running application', () => {
  test('a failing read answers 500 and a huge range comes in pages under the byte cap; the application keeps RUNNING', async () => {
    const { applicationId, input, stateDir } = await newApplication('iq-huge', 2)
    const big = (i: number): string => `${String(i).padStart(3, '0')}:${'x'.repeat(100_000)}`
    const keys = Array.from({ length: 80 }, (_, i) => `blob-${String(i).padStart(3, '0')}`)
    // A few per request: a record batch must stay under the broker's 1 MB.
    for (let start = 0; start < keys.length; start += 5) await produce(input, keys.slice(start, start + 5).map((key, i) => ({ key, value: big(start + i) })))
    await produce(input, [{ key: 'unreadable', value: 'unreadable value' }, { key: 'unprintable', value: 'unprintable value' }])
    const streams = new KafkaStreams(blobStore(applicationId, input), { brokers: BROKERS, stateDir, commitIntervalMs: 60_000, queryPort: 0, log: quiet })
    try {
      await streams.start()
      const url = streams.queryUrl as string
      // A count decodes nothing held in the caches: it never meets the bad values.
      await waitFor(async () => (await streams.store('blobs').count()) === 82, 60_000, 'every blob stored')

      for (const key of ['unreadable', 'unprintable']) {
        const failed = await fetch(`${url}/stores/blobs/get?key=${key}`)
        expect(failed.status).toBe(500)
        expect(((await failed.json()) as { error: string }).error).toMatch(/cannot be (decoded|written as JSON)/)
      }
      expect(streams.state).toBe('RUNNING')

      // Everything but the two bad values, page by page.
      const rows: { key: string; value: string }[] = []
      let cursor: string | undefined
      let pages = 0
      do {
        const response = await fetch(`${url}/stores/blobs/range?from=blob-000&to=blob-999${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`)
        const text = await response.text()
        expect(response.status, text.slice(0, 200)).toBe(200)
        expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_PAGE_BYTES)
        const page = JSON.parse(text) as { rows: { key: string; value: string }[]; next?: string }
        rows.push(...page.rows)
        cursor = page.next
        pages++
      } while (cursor !== undefined)
      expect(pages).toBeGreaterThan(1)
      // Tasks in order, keys in order within each: every blob exactly once.
      expect(rows.map((row) => row.key).sort()).toEqual(keys)
      expect(new Set(rows.map((row) => row.key)).size).toBe(80)
      for (const row of rows) expect(row.value).toBe(big(Number(row.key.slice(5))))

      // The whole store through the CLI's reader, which follows the cursors itself.
      let printed = ''
      await storeCommand(blobStore(applicationId, input), ['range', 'blobs'], {
        url, json: true, from: 'blob-000', to: 'blob-999', stateDir, backend: 'leveldb', log: quiet, write: (text) => void (printed += text),
      })
      expect((JSON.parse(printed) as { rows: { key: string }[] }).rows.map((row) => row.key)).toEqual(rows.map((row) => row.key))

      // A page limit, and a malformed one.
      const limited = (await (await fetch(`${url}/stores/blobs/range?from=blob-000&to=blob-999&limit=3`)).json()) as { rows: unknown[]; next?: string }
      expect(limited.rows).toHaveLength(3)
      expect(limited.next).toBeDefined()
      expect((await fetch(`${url}/stores/blobs/range?limit=none`)).status).toBe(400)
      expect((await fetch(`${url}/stores/blobs/range?cursor=garbage`)).status).toBe(400)
      // A range over the bad values fails, once more without harm.
      expect((await fetch(`${url}/stores/blobs/range?from=u`)).status).toBe(500)

      expect(streams.state).toBe('RUNNING')
      await produce(input, [{ key: 'later', value: 'still processing' }])
      await waitFor(async () => (await streams.store('blobs').get('later')) === 'still processing', 30_000, 'a record after the failures')
      expect((await fetch(`${url}/stores/blobs/get?key=later`)).status).toBe(200)
    } finally {
      await streams.close()
      await rm(stateDir, { recursive: true, force: true })
    }
    expect(streams.error).toBeUndefined()
  })

  test('requests naming another Host are refused (DNS rebinding); a configured token is required', async () => {
    const { applicationId, input, output, stateDir } = await newApplication('iq-access', 1)
    await produce(input, [{ key: 'apple', value: 'apple' }])
    const streams = new KafkaStreams(wordCounts(applicationId, input, output), {
      brokers: BROKERS, stateDir, queryPort: 0, queryToken: 's3cret-token', queryAllowedHosts: ['sluice.internal'], log: quiet,
    })
    try {
      await streams.start()
      const url = streams.queryUrl as string
      const port = new URL(url).port
      const bearer = { authorization: 'Bearer s3cret-token' }
      await waitFor(async () => (await rawGet(`${url}/stores/word-counts/get?key=apple`, { host: `127.0.0.1:${port}`, ...bearer })).body.includes('"value":1'), 60_000, 'apple counted')
      for (const host of ['localhost', `localhost:${port}`, '127.0.0.1', `[::1]:${port}`, `LOCALHOST:${port}`, 'sluice.internal', `sluice.internal:${port}`]) {
        expect((await rawGet(`${url}/stores`, { host, ...bearer })).status, host).toBe(200)
      }
      for (const host of ['evil.example', `evil.example:${port}`, `localhost.evil.example:${port}`, `127.0.0.1.nip.io:${port}`, `sluice.internal.evil:${port}`]) {
        const refused = await rawGet(`${url}/stores/word-counts/get?key=apple`, { host, ...bearer })
        expect(refused.status, host).toBe(403)
        expect(refused.body).not.toContain('"value"')
      }
      for (const authorization of [undefined, 'Bearer wrong', 'Bearer s3cret-token-and-more', 'Basic czNjcmV0LXRva2Vu', 'Bearer ']) {
        const refused = await rawGet(`${url}/stores/word-counts/get?key=apple`, { host: `127.0.0.1:${port}`, ...(authorization === undefined ? {} : { authorization }) })
        expect(refused.status, authorization).toBe(401)
        expect(refused.body).not.toContain('"value"')
      }
      expect((await fetch(`${url}/stores/word-counts/get?key=apple`, { headers: bearer })).status).toBe(200)
      expect((await fetch(`${url}/stores/word-counts/get?key=apple`)).status).toBe(401)
      expect(streams.state).toBe('RUNNING')
    } finally {
      await streams.close()
      await rm(stateDir, { recursive: true, force: true })
    }
  })
})
