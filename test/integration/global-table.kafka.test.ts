import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { defineTopology, KafkaStreams, serdes, type Topology } from 'sluice'
import { storeCommand } from '../../src/cli/store-command.js'
import { BROKERS, createTopic, kafka, produce, readTopic, unique, waitFor } from './kafka-helpers.js'

const S = serdes.string()

/** Orders (value: the product id) enriched with the product's name from a global table, or "none". */
function enrichment(applicationId: string, products: string, orders: string, output: string): Topology {
  return defineTopology({ applicationId }, (b) => {
    const names = b.globalTable(products, { key: S, value: S, store: 'products' })
    b.stream(orders, { key: S, value: S })
      .leftJoin(names, (_orderId, productId) => productId, (productId, name, orderId) => `${orderId}:${productId}:${name ?? 'none'}`)
      .to(output, { value: S })
  })
}

const product = (id: number): string => `p${String(id).padStart(2, '0')}`

describe('GlobalKTable on Kafka', () => {
  test('every instance holds the whole table before processing, follows updates, and restores from its checkpoint or from nothing', async () => {
    const applicationId = unique('global-table')
    const products = `${applicationId}-products`
    const orders = `${applicationId}-orders`
    const output = `${applicationId}-enriched`
    // Not co-partitioned: the global topic has 3 partitions, the stream 2.
    await createTopic(products, 3)
    await createTopic(orders, 2)
    await createTopic(output, 2)
    await produce(products, Array.from({ length: 30 }, (_, i) => ({ key: product(i), value: `name-${i}` })))
    await produce(orders, Array.from({ length: 20 }, (_, i) => ({ key: `o${i}`, value: product(i) })))

    const topology = enrichment(applicationId, products, orders, output)
    const stateDirs = [join(tmpdir(), `${applicationId}-a`), join(tmpdir(), `${applicationId}-b`)]
    const logs: string[][] = [[], []]
    const instance = (index: number, queryPort?: number): KafkaStreams =>
      new KafkaStreams(topology, { brokers: BROKERS, stateDir: stateDirs[index], commitIntervalMs: 200, queryPort, log: (line) => logs[index].push(line) })
    const restoreLine = (index: number): string | undefined => logs[index].filter((line) => line.startsWith('restoring global store(s) products:')).at(-1)
    const enriched = async (count: number): Promise<Map<string, string>> => {
      const messages = await readTopic(output, { done: (all) => all.length >= count, timeoutMs: 60_000 })
      return new Map(messages.map((message) => [String(message.key), String(message.value)]))
    }

    let a = instance(0, 0)
    const b = instance(1)
    try {
      await Promise.all([a.start(), b.start()])
      // Each instance holds all 30 rows, whichever stream partitions it processes.
      for (const streams of [a, b]) expect(await streams.store<string, string>('products').count()).toBe(30)
      expect(await a.store<string, string>('products').get(product(29))).toBe('name-29')
      // Orders produced before the start joined against the table as it was then: no "none".
      const first = await enriched(20)
      for (let i = 0; i < 20; i++) expect(first.get(`o${i}`)).toBe(`o${i}:${product(i)}:name-${i}`)
      // The query server lists it and pages through its one instance.
      const url = a.queryUrl as string
      const listing = (await (await fetch(`${url}/stores`)).json()) as { stores: { name: string; tasks: { task: string; approximateEntries: number }[] }[] }
      expect(listing.stores.find((store) => store.name === 'products')?.tasks).toEqual([{ task: 'global', approximateEntries: 30 }])
      const keys: string[] = []
      let cursor: string | undefined
      do {
        const page = (await (await fetch(`${url}/stores/products/range?limit=7${cursor ? `&cursor=${cursor}` : ''}`)).json()) as { rows: { key: string }[]; next?: string }
        keys.push(...page.rows.map((row) => row.key))
        cursor = page.next
      } while (cursor !== undefined)
      expect(keys).toEqual(Array.from({ length: 30 }, (_, i) => product(i)))
      const tasks = [a, b].map((streams) => streams.status().tasks.length)
      expect(tasks.reduce((sum, count) => sum + count, 0)).toBe(2)

      // An update and a delete while running reach both instances, and later records see them.
      await produce(products, [
        { key: product(3), value: 'renamed' },
        { key: product(4), value: null },
      ])
      for (const streams of [a, b]) {
        await waitFor(async () => (await streams.store<string, string>('products').get(product(3))) === 'renamed', 30_000, 'the update in every instance')
        await waitFor(async () => (await streams.store<string, string>('products').get(product(4))) === undefined, 30_000, 'the delete in every instance')
      }
      await produce(orders, [
        { key: 'late-3', value: product(3) },
        { key: 'late-4', value: product(4) },
      ])
      const second = await enriched(22)
      expect(second.get('late-3')).toBe(`late-3:${product(3)}:renamed`)
      expect(second.get('late-4')).toBe(`late-4:${product(4)}:none`)
    } finally {
      await Promise.all([a.close(), b.close()])
    }
    expect(restoreLine(0)).toBe('restoring global store(s) products: 30 offsets to read')

    // A restart reads only what came since its checkpoint.
    await produce(products, [{ key: product(40), value: 'new' }])
    a = instance(0)
    try {
      await a.start()
      expect(restoreLine(0)).toBe('restoring global store(s) products: 1 offsets to read')
      expect(await a.store<string, string>('products').count()).toBe(30)
      expect(await a.store<string, string>('products').get(product(40))).toBe('new')
      expect(await a.store<string, string>('products').get(product(3))).toBe('renamed')
    } finally {
      await a.close()
    }
    // A stopped instance's global store, read from its files (sluice store).
    let printed = ''
    await storeCommand(topology, ['count', 'products'], { json: true, stateDir: stateDirs[0], backend: 'leveldb', log: () => undefined, write: (text) => void (printed += text) })
    expect(JSON.parse(printed)).toMatchObject({ count: 30 })

    // A wiped state directory is rebuilt from the whole topic.
    await rm(stateDirs[0], { recursive: true, force: true })
    a = instance(0)
    try {
      await a.start()
      expect(restoreLine(0)).toBe('restoring global store(s) products: 33 offsets to read')
      expect(await a.store<string, string>('products').count()).toBe(30)
      expect(await a.store<string, string>('products').get(product(4))).toBeUndefined()
      expect(await a.store<string, string>('products').get(product(3))).toBe('renamed')
    } finally {
      await a.close()
      for (const dir of stateDirs) await rm(dir, { recursive: true, force: true })
    }
  }, 240_000)

  test('under exactly-once the global store reads committed records only', async () => {
    const applicationId = unique('global-table-eos')
    const products = `${applicationId}-products`
    const orders = `${applicationId}-orders`
    await createTopic(products, 2)
    await createTopic(orders, 1)
    const producer = kafka.producer({ transactionalId: `${applicationId}-writer`, idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    const write = async (key: string, value: string, commit: boolean): Promise<void> => {
      const transaction = await producer.transaction()
      await transaction.send({ topic: products, messages: [{ key, value }] })
      await (commit ? transaction.commit() : transaction.abort())
    }
    const stateDir = join(tmpdir(), `${applicationId}-state`)
    const streams = new KafkaStreams(enrichment(applicationId, products, orders, `${applicationId}-out`), { brokers: BROKERS, stateDir, processingGuarantee: 'exactly_once', log: () => undefined })
    try {
      await write('kept', 'yes', true)
      await write('aborted', 'no', false)
      await streams.start()
      const store = streams.store<string, string>('products')
      expect(await store.get('kept')).toBe('yes')
      expect(await store.get('aborted')).toBeUndefined()
      await write('aborted-later', 'no', false)
      await write('kept-later', 'yes', true)
      await waitFor(async () => (await store.get('kept-later')) === 'yes', 30_000, 'the committed update')
      expect(await store.get('aborted-later')).toBeUndefined()
    } finally {
      await producer.disconnect()
      await streams.close()
      await rm(stateDir, { recursive: true, force: true })
    }
  }, 120_000)
})
