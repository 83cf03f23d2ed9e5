import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { KafkaStreams, StoreUnavailableError, UnknownStoreError } from 'sluice'
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
