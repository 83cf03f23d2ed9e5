import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, expect, test } from 'vitest'
import { KafkaStreams } from 'sluice'
import { BROKERS, createTopic, groupLag, produce, waitFor } from '../kafka-helpers.js'
import { sluiceJson } from '../store-helpers.js'
import { avroKeyedStores, WINDOW_MS } from './fixtures/avro-keyed-stores.js'
import { registryGet, runName } from './helpers.js'

const FIXTURE = fileURLToPath(new URL('./fixtures/avro-keyed-stores.ts', import.meta.url))
const applicationId = runName('avro-keyed')
const stateDir = join(tmpdir(), applicationId)

afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true })
})

interface Rows {
  rows: { task: string; key: unknown; window?: { start: number }; value: unknown }[]
}

test('sluice store reads a stopped application\'s stores with Avro keys and values: get, range, fetch, count', async () => {
  await createTopic(`${applicationId}-in`, 2)
  const payments = [
    { key: 'A', amt: 10, time: 0 },
    { key: 'A', amt: 5, time: WINDOW_MS + 1 },
    { key: 'B', amt: 7, time: 10 },
    { key: 'C', amt: 1, time: 20 },
  ]
  await produce(`${applicationId}-in`, payments.map(({ key, amt, time }) => ({ key, value: JSON.stringify({ amt, time }) })))
  const app = new KafkaStreams(avroKeyedStores(applicationId), { brokers: BROKERS, stateDir, commitIntervalMs: 200, log: () => {} })
  await app.start()
  try {
    await waitFor(async () => (await groupLag(applicationId, [`${applicationId}-in`])) === 0, 60_000, 'the application to consume its input')
  } finally {
    await app.close()
  }
  expect(app.error).toBeUndefined()
  const subjects = async () => ((await registryGet<string[]>('/subjects')) ?? []).filter((subject) => subject.startsWith(applicationId)).sort()
  const registered = await subjects()

  // Another process, nothing prepared: the key serdes fetch the stored keys' schemas, and the typed key is looked up.
  const env = { TEST_APPLICATION_ID: applicationId }
  const store = (...args: string[]) => sluiceJson<Rows>(['store', FIXTURE, ...args, '--state-dir', stateDir], env)
  const values = (result: Rows) => result.rows.map(({ key, window, value }) => (window ? { key, start: window.start, value } : { key, value }))
  expect(values(await store('get', 'totals', '{"cc_num":"A"}'))).toEqual([{ key: { cc_num: 'A' }, value: { count: 2, amt: 15 } }])
  expect(values(await store('range', 'totals')).sort((a, b) => JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)))).toEqual([
    { key: { cc_num: 'A' }, value: { count: 2, amt: 15 } },
    { key: { cc_num: 'B' }, value: { count: 1, amt: 7 } },
    { key: { cc_num: 'C' }, value: { count: 1, amt: 1 } },
  ])
  expect(values(await store('fetch', 'payments-per-minute', 'A'))).toEqual([
    { key: 'A', start: 0, value: 1 },
    { key: 'A', start: WINDOW_MS, value: 1 },
  ])
  expect(values(await store('fetch', 'payments-per-minute')).length).toBe(4)
  // A read-only command registers nothing, even for a key the store does not have.
  expect((await store('get', 'totals', '{"cc_num":"Z"}')).rows).toEqual([])
  expect(await subjects()).toEqual(registered)
}, 120_000)
