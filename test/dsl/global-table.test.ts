import { describe, expect, test } from 'vitest'
import { defineTopology, serdes, TopologyError, type Topology } from 'sluice'
import type { TopologyTestDriver } from 'sluice/testing'
import { BACKENDS, collect, entries, withDriver } from '../helpers/driver.js'

const S = serdes.string()

interface Order {
  product: string | null
  qty: number
}
const ORDER = serdes.json<Order>()
const NAME = serdes.json<{ name: string }>()

/** Orders keyed by order id, enriched with their product's name from a global table keyed by product. */
function enrichment(kind: 'join' | 'leftJoin'): Topology {
  return defineTopology({ applicationId: 'gkt' }, (b) => {
    const products = b.globalTable('products', { key: S, value: NAME, store: 'products' })
    const orders = b.stream('orders', { key: S, value: ORDER })
    const selector = (_orderId: string, order: Order) => order.product
    const enriched =
      kind === 'join'
        ? orders.join(products, selector, (order, product, orderId) => `${orderId}:${order.qty}x${product.name}`)
        : orders.leftJoin(products, selector, (order, product, orderId) => `${orderId}:${order.qty}x${product?.name ?? 'unknown'}`)
    enriched.to('enriched', { value: S })
  })
}

async function product(driver: TopologyTestDriver, id: string, name: string | null): Promise<void> {
  await driver.createInputTopic('products', S, NAME).pipeRaw([{ key: Buffer.from(id), value: name === null ? null : Buffer.from(JSON.stringify({ name })) }])
}

async function order(driver: TopologyTestDriver, id: string, value: Order): Promise<void> {
  await driver.createInputTopic('orders', S, ORDER).pipeInput(id, value)
}

const drain = (driver: TopologyTestDriver): string[] => driver.createOutputTopic('enriched', S, S).readRecordsToList().map((record) => record.value)

describe.each(BACKENDS)('GlobalKTable (%s)', (backend) => {
  test('join: enriched by the selected key; no entry or a null key emits nothing; updates are seen by later records', async () => {
    await withDriver(enrichment('join'), { backend }, async (driver) => {
      await product(driver, 'p1', 'apple')
      await product(driver, 'p2', 'pear')
      await order(driver, 'o1', { product: 'p1', qty: 2 })
      await order(driver, 'o2', { product: 'p3', qty: 1 })
      await order(driver, 'o3', { product: null, qty: 1 })
      await order(driver, 'o4', { product: 'p2', qty: 5 })
      expect(drain(driver)).toEqual(['o1:2xapple', 'o4:5xpear'])
      await product(driver, 'p1', 'green apple')
      await product(driver, 'p3', 'plum')
      await order(driver, 'o5', { product: 'p1', qty: 1 })
      await order(driver, 'o6', { product: 'p3', qty: 1 })
      expect(drain(driver)).toEqual(['o5:1xgreen apple', 'o6:1xplum'])
    })
  })

  test('leftJoin: undefined for the table value when there is no entry or the key is null', async () => {
    await withDriver(enrichment('leftJoin'), { backend }, async (driver) => {
      await product(driver, 'p1', 'apple')
      await order(driver, 'o1', { product: 'p1', qty: 2 })
      await order(driver, 'o2', { product: 'p9', qty: 1 })
      await order(driver, 'o3', { product: null, qty: 3 })
      expect(drain(driver)).toEqual(['o1:2xapple', 'o2:1xunknown', 'o3:3xunknown'])
    })
  })

  test('a tombstone deletes the entry; the store is queryable by its name', async () => {
    await withDriver(enrichment('leftJoin'), { backend }, async (driver) => {
      await product(driver, 'p1', 'apple')
      await product(driver, 'p2', 'pear')
      expect(entries(await collect(driver.getKeyValueStore<string, { name: string }>('products').all()))).toEqual([
        ['p1', { name: 'apple' }],
        ['p2', { name: 'pear' }],
      ])
      await product(driver, 'p1', null)
      await order(driver, 'o1', { product: 'p1', qty: 1 })
      expect(drain(driver)).toEqual(['o1:1xunknown'])
      expect(driver.getKeyValueStore<string, { name: string }>('products').get('p1')).toBeUndefined()
      expect(driver.getKeyValueStore<string, { name: string }>('products').get('p2')).toEqual({ name: 'pear' })
    })
  })
})

describe('GlobalKTable in the topology', () => {
  test('no repartition after a key change, no changelog, and a sub-topology of its own that makes no tasks', () => {
    const topology = defineTopology({ applicationId: 'gkt-describe' }, (b) => {
      const products = b.globalTable('products', { key: S, value: NAME })
      b.stream('orders', { key: S, value: ORDER })
        .selectKey((_id, order) => order.product ?? '')
        .join(products, (key) => key, (order, product) => `${order.qty}x${product.name}`, { name: 'enrich' })
        .to('enriched', { key: S, value: S })
    })
    expect(topology.internalTopics).toEqual([])
    expect(topology.subtopologies).toHaveLength(1)
    expect(topology.subtopologies[0].stores).toEqual([])
    expect(topology.describe()).toBe(
      [
        'Topology: gkt-describe',
        '  Sub-topology: 0',
        '    Source: source-3 (topics: [orders])',
        '      --> select-key-4',
        '    Processor: select-key-4 (stores: [])',
        '      --> enrich',
        '      <-- source-3',
        '    Processor: enrich (stores: [products-global])',
        '      --> sink-6',
        '      <-- select-key-4',
        '    Sink: sink-6 (topic: enriched)',
        '      <-- enrich',
        '  Sub-topology: 1 for global store (will not generate tasks)',
        '    Source: global-source-1 (topics: [products])',
        '      --> global-table-2',
        '    Processor: global-table-2 (stores: [products-global])',
        '      <-- global-source-1',
        '  Stores:',
        '    products-global (keyValue, global from products, changelog: none)',
        '',
      ].join('\n'),
    )
    expect(topology.toDot()).toContain('label="Sub-topology 1 (global store)"')
    expect(topology.toMermaid()).toContain('"Sub-topology 1 (global store)"')
    expect(topology.toMermaid()).toContain('[("products-global (global keyValue)")]')
  })

  test('two stream sub-topologies join the same global table without being merged', () => {
    const topology = defineTopology({ applicationId: 'gkt-two' }, (b) => {
      const products = b.globalTable('products', { key: S, value: NAME })
      for (const topic of ['a', 'b']) {
        b.stream(topic, { key: S, value: S })
          .join(products, (key) => key, (value, product) => `${value}:${product.name}`)
          .to(`${topic}-out`, { value: S })
      }
    })
    expect(topology.subtopologies.map((sub) => sub.sourceTopics)).toEqual([['a'], ['b']])
    expect(topology.globalStores.map((global) => global.id)).toEqual([2])
  })

  test('a topic cannot be both a global table and a stream source; store names stay unique', () => {
    expect(() =>
      defineTopology({ applicationId: 'gkt-bad' }, (b) => {
        const products = b.globalTable('products', { key: S, value: NAME })
        b.stream('products', { key: S, value: S })
          .join(products, (key) => key, (value) => value)
          .to('out', { value: S })
      }),
    ).toThrow(/the topic "products" of the global store "products-global" is also read by a stream source/)
    expect(() =>
      defineTopology({ applicationId: 'gkt-bad' }, (b) => {
        b.table('t', { key: S, value: S, store: 'same' })
        b.globalTable('products', { key: S, value: NAME, store: 'same' })
      }),
    ).toThrow(TopologyError)
  })
})
