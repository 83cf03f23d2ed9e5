// A foreign-key join of tables with different partition counts (orders: 3, products: 2) on the
// broker, under exactly-once, across a kill -9 with a wiped state directory: the final result
// tables equal the test driver's on the same input, and what the final tables imply.
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'
import { serdes } from 'sluice'
import { withDriver } from '../helpers/driver.js'
import { fkJoinTopics, fkJoinUnderTest, NAME, ORDER, showOrder, type FkJoinTopics, type Order } from './fixtures/fk-join-under-test.js'
import { createTopic, groupLag, produce, readTopic, SluiceProcess, unique, waitFor } from './kafka-helpers.js'
import { sleep } from './pipeline-helpers.js'

const FIXTURE = fileURLToPath(new URL('./fixtures/fk-join-under-test.ts', import.meta.url))
const S = serdes.string()

interface Input {
  topic: 'orders' | 'products'
  key: string
  value: Order | string | null
  timestamp: number
}

/**
 * 400 updates of 60 orders (a foreign key of 25 products, of which 20 ever exist; some null,
 * some deletes, many foreign key changes) and 200 of the products (some deletes), interleaved
 * in time; from a fixed seed, so that a failure can be replayed.
 */
function inputs(base: number): Input[] {
  let seed = 42
  const next = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    return Math.floor(seed / 65_536) % n // the high bits: an LCG's low bits repeat quickly
  }
  const data: Input[] = []
  for (let i = 0; i < 600; i++) {
    const timestamp = base + i * 50
    if (i % 3 === 2) {
      data.push({ topic: 'products', key: `p${next(20)}`, value: next(7) === 0 ? null : `name${i}`, timestamp })
      continue
    }
    const roll = next(10)
    const value = roll === 0 ? null : { product: roll === 1 ? null : `p${next(25)}`, quantity: i }
    data.push({ topic: 'orders', key: `o${next(60)}`, value, timestamp })
  }
  return data
}

/** A result table from its topic's records: the last value per key, a null removing it. */
function finalTable(records: readonly [Buffer | null, Buffer | null][], topic: string): Map<string, string> {
  const table = new Map<string, string>()
  for (const [key, value] of records) {
    const decoded = NAME.deserialize(topic, value)
    if (decoded === null) table.delete(String(key))
    else table.set(String(key), decoded)
  }
  return new Map([...table].sort(([a], [b]) => a.localeCompare(b)))
}

interface Results {
  inner: Map<string, string>
  left: Map<string, string>
}

/** What the joins must hold once everything is processed: a function of the final input tables alone. */
function impliedByFinalTables(records: readonly Input[]): Results {
  const orders = new Map<string, Order>()
  const products = new Map<string, string>()
  for (const { topic, key, value } of records) {
    const table = (topic === 'orders' ? orders : products) as Map<string, unknown>
    if (value === null) table.delete(key)
    else table.set(key, value)
  }
  const inner = new Map<string, string>()
  const left = new Map<string, string>()
  for (const [key, order] of [...orders].sort(([a], [b]) => a.localeCompare(b))) {
    const name = order.product === null ? undefined : products.get(order.product)
    if (name !== undefined) inner.set(key, showOrder(order, name))
    left.set(key, showOrder(order, name))
  }
  return { inner, left }
}

async function driverResults(topics: FkJoinTopics, records: readonly Input[]): Promise<Results> {
  return withDriver(fkJoinUnderTest(topics), { backend: 'memory' }, async (driver) => {
    const orders = driver.createInputTopic(topics.orders, S, ORDER)
    const products = driver.createInputTopic(topics.products, S, NAME)
    for (const record of records) {
      if (record.topic === 'orders') await orders.pipeInput(record.key, record.value as Order | null, record.timestamp)
      else await products.pipeInput(record.key, record.value as string | null, record.timestamp)
    }
    const raw = (topic: string): [Buffer | null, Buffer | null][] => driver.topicContents(topic).map((record) => [record.key, record.value])
    return { inner: finalTable(raw(topics.inner), topics.inner), left: finalTable(raw(topics.left), topics.left) }
  })
}

async function brokerResults(topics: FkJoinTopics): Promise<Results> {
  const raw = async (topic: string): Promise<[Buffer | null, Buffer | null][]> => (await readTopic(topic, { readCommitted: true })).map((message) => [message.key, message.value])
  return { inner: finalTable(await raw(topics.inner), topics.inner), left: finalTable(await raw(topics.left), topics.left) }
}

test('a foreign-key join of a 3-partition table with a 2-partition one, across a kill -9 with a wiped state directory: the final results equal the driver’s under exactly-once', async () => {
  const applicationId = unique('fk-join')
  const topics = fkJoinTopics(applicationId)
  const stateDir = join(tmpdir(), `${applicationId}-state`)
  await createTopic(topics.orders, 3)
  await createTopic(topics.products, 2)
  for (const topic of [topics.inner, topics.left]) await createTopic(topic, 3)
  const data = inputs(Date.now() - 3_600_000)
  // In three parts, each the orders' records then the products': the broker sees them in
  // another order than the driver, which the final tables do not depend on.
  const send = async (records: readonly Input[]): Promise<void> => {
    for (const name of ['orders', 'products'] as const) {
      const messages = records.filter((record) => record.topic === name).map((record) => ({ key: record.key, value: record.value === null ? null : JSON.stringify(record.value), timestamp: String(record.timestamp) }))
      if (messages.length > 0) await produce(topics[name], messages)
    }
  }
  const allProcessed = async (): Promise<boolean> => (await groupLag(applicationId, [topics.orders, topics.products, ...topics.internal])) === 0
  const env = { TEST_APPLICATION_ID: applicationId, SLUICE_GUARANTEE: 'exactly_once', SLUICE_STATE_DIR: stateDir }
  const processes: SluiceProcess[] = []
  try {
    await send(data.slice(0, 300))
    const first = new SluiceProcess(FIXTURE, env)
    processes.push(first)
    await first.waitForOutput(/running tasks/)
    await send(data.slice(300, 450))
    await sleep(1_500) // some of it processed and committed, not all
    first.kill('SIGKILL')
    await first.exited
    await rm(stateDir, { recursive: true, force: true })
    await send(data.slice(450))

    const second = new SluiceProcess(FIXTURE, env)
    processes.push(second)
    await second.waitForOutput(/running tasks/, 120_000)
    expect(second.output.join('')).toMatch(/restored [1-9]\d* records/)
    // Inputs first, then subscriptions, then responses: a topic's lag is read after the lag of
    // what writes to it, so all three at 0 in one reading means nothing is under way; twice to be sure.
    await waitFor(allProcessed, 120_000, 'the input and the join’s internal topics processed')
    await sleep(1_000)
    await waitFor(allProcessed, 60_000, 'still nothing under way')

    const implied = impliedByFinalTables(data)
    const [want, got] = [await driverResults(topics, data), await brokerResults(topics)]
    // The input leaves rows of every kind: joined, and (left join) joined with nothing.
    expect(implied.inner.size).toBeGreaterThan(10)
    expect([...implied.left.values()].filter((value) => value.endsWith('xnone')).length).toBeGreaterThan(5)
    expect(want).toEqual(implied)
    expect(got.inner).toEqual(want.inner)
    expect(got.left).toEqual(want.left)
  } finally {
    for (const process of processes) process.kill('SIGTERM')
    await Promise.all(processes.map((process) => process.exited))
    await rm(stateDir, { recursive: true, force: true })
  }
})
