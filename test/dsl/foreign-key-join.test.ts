import { describe, expect, test } from 'vitest'
import { defineTopology, serdes, TopologyError, type Topology } from 'sluice'
import type { TopologyTestDriver } from 'sluice/testing'
import { leftValueHash, subscriptionResponseSerde } from '../../src/dsl/processors/foreign-key-messages.js'
import { BACKENDS, collect, entries, withDriver } from '../helpers/driver.js'

// Orders (the left table, keyed by order id) name a product (the right table, keyed by product
// id) as their foreign key; the join's rows are keyed by order id.

interface Order {
  product: string | null
  quantity: number
}

const S = serdes.string()
const ORDER = serdes.json<Order>()
const PRODUCT = serdes.json<string>()
const OUT = serdes.json<string>()

type Kind = 'join' | 'leftJoin'

const show = (order: Order, product: string | undefined) => `${order.quantity}x${product ?? 'none'}`

function orderProducts(kind: Kind, store?: string): Topology {
  return defineTopology({ applicationId: 'fkj' }, (b) => {
    const orders = b.table('orders', { key: S, value: ORDER, store: 'orders-store' })
    const products = b.table('products', { key: S, value: PRODUCT, store: 'products-store' })
    const options = { store, value: OUT }
    const joined = kind === 'join' ? orders.join(products, (order) => order.product, show, options) : orders.leftJoin(products, (order) => order.product, show, options)
    joined.toStream().to('out', { value: OUT })
  })
}

async function order(driver: TopologyTestDriver, id: string, value: Order | null, timestamp: number): Promise<void> {
  await pipe(driver, 'orders', [[id, value === null ? null : JSON.stringify(value)]], timestamp)
}

async function product(driver: TopologyTestDriver, id: string, name: string | null, timestamp: number): Promise<void> {
  await pipe(driver, 'products', [[id, name === null ? null : JSON.stringify(name)]], timestamp)
}

/** Pipes the rows as one batch: the driver answers subscriptions only once the whole batch is processed. */
async function pipe(driver: TopologyTestDriver, topic: string, rows: [string, string | null][], timestamp: number): Promise<void> {
  await driver.createInputTopic(topic, S, S).pipeRaw(rows.map(([key, value]) => ({ key: Buffer.from(key), value: value === null ? null : Buffer.from(value), timestamp })))
}

/** Every join row written since the last call: [order id, value (null: a tombstone)]. */
function drain(driver: TopologyTestDriver): [string, string | null][] {
  return driver
    .createOutputTopic('out', S, OUT)
    .readRecordsToList()
    .map((record) => [record.key, record.value])
}

/** Products A and B; the order o1 names A, then B. */
async function moveFromAToB(driver: TopologyTestDriver): Promise<void> {
  await product(driver, 'A', 'apple', 1)
  await product(driver, 'B', 'banana', 2)
  await order(driver, 'o1', { product: 'A', quantity: 1 }, 3)
  await order(driver, 'o1', { product: 'B', quantity: 1 }, 4)
  expect(drain(driver)).toEqual([
    ['o1', '1xapple'],
    ['o1', '1xbanana'],
  ])
}

async function stored(driver: TopologyTestDriver): Promise<[string, string][]> {
  return entries(await collect(driver.getKeyValueStore<string, string>('joined').all()))
}

describe.each(BACKENDS)('foreign-key table-table joins on %s', (backend) => {
  test.each(['join', 'leftJoin'] as const)('%s: left row then right row, and right row then left row', async (kind) => {
    await withDriver(orderProducts(kind, 'joined'), { backend }, async (driver) => {
      await order(driver, 'o1', { product: 'p1', quantity: 2 }, 1)
      expect(drain(driver)).toEqual(kind === 'join' ? [] : [['o1', '2xnone']])
      await product(driver, 'p1', 'pen', 2)
      expect(drain(driver)).toEqual([['o1', '2xpen']])
      await product(driver, 'p2', 'ink', 3)
      expect(drain(driver)).toEqual([])
      await order(driver, 'o2', { product: 'p2', quantity: 5 }, 4)
      expect(drain(driver)).toEqual([['o2', '5xink']])
      expect(await stored(driver)).toEqual([
        ['o1', '2xpen'],
        ['o2', '5xink'],
      ])
    })
  })

  test.each(['join', 'leftJoin'] as const)('%s: a foreign key changing from A to B leaves A for B; the left row deleted deletes its row', async (kind) => {
    await withDriver(orderProducts(kind, 'joined'), { backend }, async (driver) => {
      await moveFromAToB(driver)
      // A no longer reaches o1; B does.
      await product(driver, 'A', 'apricot', 5)
      expect(drain(driver)).toEqual([])
      await product(driver, 'B', 'blueberry', 6)
      expect(drain(driver)).toEqual([['o1', '1xblueberry']])
      await order(driver, 'o1', null, 7)
      expect(drain(driver)).toEqual([['o1', null]])
      await product(driver, 'B', 'blackberry', 8)
      expect(drain(driver)).toEqual([])
      expect(await stored(driver)).toEqual([])
      // Both subscriptions are gone from the right side's store.
      const subscriptions = kind === 'join' ? 'orders-table-fk-join-products-subscriptions' : 'orders-table-fk-left-join-products-subscriptions'
      expect(await collect(driver.getKeyValueStore(subscriptions).all())).toEqual([])
    })
  })

  test('join: moving to a foreign key with no right row deletes the row it had', async () => {
    await withDriver(orderProducts('join', 'joined'), { backend }, async (driver) => {
      await product(driver, 'A', 'apple', 1)
      await order(driver, 'o1', { product: 'A', quantity: 1 }, 2)
      await order(driver, 'o1', { product: 'Z', quantity: 1 }, 3)
      expect(drain(driver)).toEqual([
        ['o1', '1xapple'],
        ['o1', null],
      ])
      await product(driver, 'Z', 'zucchini', 4)
      expect(drain(driver)).toEqual([['o1', '1xzucchini']])
    })
  })

  test.each(['join', 'leftJoin'] as const)('%s: a right row update reaches every left row that names it, a right row delete too', async (kind) => {
    await withDriver(orderProducts(kind, 'joined'), { backend }, async (driver) => {
      await product(driver, 'p1', 'pen', 1)
      await order(driver, 'o1', { product: 'p1', quantity: 1 }, 2)
      await order(driver, 'o2', { product: 'p1', quantity: 2 }, 3)
      await order(driver, 'o3', { product: 'p2', quantity: 3 }, 4)
      await order(driver, 'o4', { product: 'p1', quantity: 4 }, 5)
      drain(driver)
      await product(driver, 'p1', 'pencil', 6)
      expect(drain(driver).sort()).toEqual([
        ['o1', '1xpencil'],
        ['o2', '2xpencil'],
        ['o4', '4xpencil'],
      ])
      await product(driver, 'p1', null, 7)
      // Inner: the rows go; left: they stay, joined with nothing.
      const gone = (id: string, quantity: number): [string, string | null] => [id, kind === 'join' ? null : `${quantity}xnone`]
      expect(drain(driver).sort()).toEqual([gone('o1', 1), gone('o2', 2), gone('o4', 4)])
      expect(await stored(driver)).toEqual(kind === 'join' ? [] : [gone('o1', 1), gone('o2', 2), ['o3', '3xnone'], gone('o4', 4)])
    })
  })

  test.each(['join', 'leftJoin'] as const)('%s: a left row with a null foreign key joins nothing', async (kind) => {
    await withDriver(orderProducts(kind, 'joined'), { backend }, async (driver) => {
      await product(driver, 'p1', 'pen', 1)
      await order(driver, 'o1', { product: null, quantity: 1 }, 2)
      // Materialized: an inner join holds no row for o1, so its delete is not forwarded.
      expect(drain(driver)).toEqual(kind === 'join' ? [] : [['o1', '1xnone']])
      await order(driver, 'o1', { product: 'p1', quantity: 1 }, 3)
      await order(driver, 'o1', { product: null, quantity: 1 }, 4)
      expect(drain(driver)).toEqual([
        ['o1', '1xpen'],
        ['o1', kind === 'join' ? null : '1xnone'],
      ])
      await product(driver, 'p1', 'pencil', 5)
      expect(drain(driver)).toEqual([])
    })
  })

  test('without a store: the same rows, with a tombstone also for rows the join never held', async () => {
    await withDriver(orderProducts('join'), { backend }, async (driver) => {
      await order(driver, 'o1', { product: null, quantity: 1 }, 1)
      await order(driver, 'o2', { product: 'p1', quantity: 1 }, 2) // a new row subscribing to nothing yet: no answer
      await product(driver, 'p1', 'pen', 3)
      await order(driver, 'o2', null, 4)
      expect(drain(driver)).toEqual([
        ['o1', null],
        ['o2', '1xpen'],
        ['o2', null],
      ])
    })
  })

  test('after a restart from the changelogs, a foreign key change still leaves the old right row and a right update still fans out', async () => {
    const topology = orderProducts('join', 'joined')
    const changelogs: { [topic: string]: { key: Buffer | null; value: Buffer | null }[] } = {}
    await withDriver(topology, { backend }, async (driver) => {
      await moveFromAToB(driver)
      await order(driver, 'o2', { product: 'A', quantity: 2 }, 5)
      await driver.commit()
      for (const topic of topology.internalTopics) changelogs[topic.name] = driver.topicContents(topic.name).map((record) => ({ key: record.key, value: record.value }))
    })
    await withDriver(topology, { backend, restoreChangelogs: changelogs }, async (driver) => {
      await product(driver, 'A', 'apricot', 6) // o2 only: o1 left A before the restart
      await order(driver, 'o1', { product: 'A', quantity: 1 }, 7)
      await product(driver, 'B', 'blueberry', 8) // no one names B now
      expect(drain(driver)).toEqual([
        ['o2', '2xapricot'],
        ['o1', '1xapricot'],
      ])
      expect(await stored(driver)).toEqual([
        ['o1', '1xapricot'],
        ['o2', '2xapricot'],
      ])
      // o1's foreign key (B) came back with the left side's store, so o1 left B's subscriptions.
      const subscriptions = await collect(driver.getKeyValueStore('orders-table-fk-join-products-subscriptions').all())
      expect(subscriptions.map(({ key }) => key)).toEqual([
        { foreignKey: 'A', leftKey: 'o1' },
        { foreignKey: 'A', leftKey: 'o2' },
      ])
    })
  })

  test('a stale answer is dropped: the row changed its foreign key twice before the answers came back', async () => {
    await withDriver(orderProducts('leftJoin', 'joined'), { backend }, async (driver) => {
      await product(driver, 'A', 'apple', 1)
      await product(driver, 'B', 'banana', 2)
      await product(driver, 'C', 'cherry', 3)
      // One batch: the driver answers the subscriptions after the left task processed all three
      // updates, so the answers about A and B arrive when o1 already names C.
      await pipe(
        driver,
        'orders',
        [
          ['o1', JSON.stringify({ product: 'A', quantity: 1 })],
          ['o1', JSON.stringify({ product: 'B', quantity: 2 })],
          ['o1', JSON.stringify({ product: 'C', quantity: 3 })],
        ],
        4,
      )
      expect(drain(driver)).toEqual([['o1', '3xcherry']])
      expect(driver.metrics().foreignKeyResponsesDropped).toBe(2)
      // A and B were unsubscribed on the way.
      await product(driver, 'A', 'apricot', 5)
      await product(driver, 'B', 'blueberry', 6)
      expect(drain(driver)).toEqual([])
      expect(await stored(driver)).toEqual([['o1', '3xcherry']])
    })
  })

  test('an answer to a deleted left row is dropped', async () => {
    await withDriver(orderProducts('join', 'joined'), { backend }, async (driver) => {
      await product(driver, 'A', 'apple', 1)
      await pipe(
        driver,
        'orders',
        [
          ['o1', JSON.stringify({ product: 'A', quantity: 1 })],
          ['o1', null],
        ],
        2,
      )
      expect(drain(driver)).toEqual([])
      expect(driver.metrics().foreignKeyResponsesDropped).toBe(1)
      expect(await stored(driver)).toEqual([])
    })
  })
})

describe('foreign-key join answers out of order', () => {
  // The driver answers in order; a broker may not (answers about different foreign keys come
  // from different partitions). Pipe a late answer into the response topic by hand.
  const responseTopic = 'fkj-orders-table-fk-left-join-products-response-repartition'
  const responses = subscriptionResponseSerde(PRODUCT)
  const hashOf = (value: Order) => leftValueHash(ORDER, 'fkj-orders-table-fk-left-join-products-subscription-repartition', value)

  test('an answer to an earlier value of the left row, arriving after the answer to its current one, is dropped', async () => {
    await withDriver(orderProducts('leftJoin', 'joined'), {}, async (driver) => {
      await moveFromAToB(driver)
      const late = driver.createInputTopic(responseTopic, S, responses)
      await late.pipeInput('o1', { valueHash: hashOf({ product: 'A', quantity: 1 }), rightValue: 'apple' }, 5)
      expect(drain(driver)).toEqual([])
      expect(driver.metrics().foreignKeyResponsesDropped).toBe(1)
      // The resolver takes an answer whose hash is the current value's.
      await late.pipeInput('o1', { valueHash: hashOf({ product: 'B', quantity: 1 }), rightValue: 'blueberry' }, 6)
      expect(drain(driver)).toEqual([['o1', '1xblueberry']])
    })
  })
})

describe('foreign-key join topology', () => {
  test('describe() shows the subscription and response topics, the stores on each side, and two sub-topologies', () => {
    const topology = orderProducts('join', 'joined')
    const described = topology.describe()
    expect(topology.subtopologies).toHaveLength(2)
    expect(described).toContain('Sink: table-fk-join-subscription-sink-7 (topic: fkj-orders-table-fk-join-products-subscription-repartition)')
    expect(described).toContain('Processor: table-fk-join-receive-9 (stores: [products-store, orders-table-fk-join-products-subscriptions])')
    expect(described).toContain('Processor: table-fk-join-fan-out-10 (stores: [orders-table-fk-join-products-subscriptions])')
    expect(described).toContain('Processor: table-fk-join-resolve-13 (stores: [orders-store])')
    expect(described).toContain('Processor: table-fk-join-14 (stores: [joined])')
    expect(topology.internalTopics.map((topic) => topic.name)).toEqual([
      'fkj-orders-table-fk-join-products-subscription-repartition',
      'fkj-orders-table-fk-join-products-response-repartition',
      'fkj-orders-store-changelog',
      'fkj-products-store-changelog',
      'fkj-orders-table-fk-join-products-foreign-keys-changelog',
      'fkj-orders-table-fk-join-products-subscriptions-changelog',
      'fkj-joined-changelog',
    ])
  })

  test('internal names do not move when operators are added elsewhere; `repartition` names them', () => {
    const names = (topology: Topology) => [...topology.internalTopics.map((topic) => topic.name)].sort()
    const withMore = defineTopology({ applicationId: 'fkj' }, (b) => {
      b.stream('other', { key: S, value: S }).filter(() => true).to('elsewhere')
      const orders = b.table('orders', { key: S, value: ORDER, store: 'orders-store' })
      const products = b.table('products', { key: S, value: PRODUCT, store: 'products-store' })
      orders.mapValues((value) => value.quantity).toStream().to('quantities', { value: serdes.long() })
      orders.join(products, (value) => value.product, show, { store: 'joined', value: OUT }).toStream().to('out', { value: OUT })
    })
    expect(names(withMore)).toEqual(names(orderProducts('join', 'joined')))
    const named = defineTopology({ applicationId: 'fkj' }, (b) => {
      const orders = b.table('orders', { key: S, value: ORDER })
      orders.leftJoin(b.table('products', { key: S, value: PRODUCT }), (value) => value.product, show, { repartition: 'order-products' })
    })
    expect(names(named)).toEqual([
      'fkj-order-products-foreign-keys-changelog',
      'fkj-order-products-response-repartition',
      'fkj-order-products-subscription-repartition',
      'fkj-order-products-subscriptions-changelog',
      'fkj-orders-table-changelog',
      'fkj-products-table-changelog',
    ])
  })

  test('a table that cannot be read by key, or one without the serdes the topics need, is refused when built', () => {
    expect(() =>
      defineTopology({ applicationId: 'fkj' }, (b) => {
        const orders = b.table('orders', { key: S, value: ORDER }).mapValues((value) => value) // no value serde
        orders.join(b.table('products', { key: S, value: PRODUCT }), (value) => value.product, show)
      }),
    ).toThrow(/hashes left values/)
    expect(() =>
      defineTopology({ applicationId: 'fkj' }, (b) => {
        const orders = b.table('orders', { key: S, value: ORDER })
        const products = b.table('products', { key: S, value: PRODUCT })
        const joined = orders.join(products, (value) => value.product, show, { value: OUT }) // not materialized
        joined.join(products, (value) => value, (a, b) => a + b)
      }),
    ).toThrow(TopologyError)
  })

  test('the tables need not be co-partitioned: a foreign-key join of a table with itself, keyed differently', async () => {
    // Employees name their manager, another employee: the left and the right table are one.
    const topology = defineTopology({ applicationId: 'fkj-self' }, (b) => {
      const employees = b.table('employees', { key: S, value: serdes.json<{ name: string; manager: string | null }>() })
      employees.leftJoin(employees, (value) => value.manager, (value, manager) => `${value.name}<${manager?.name ?? '-'}`, { store: 'joined', value: OUT })
    })
    await withDriver(topology, {}, async (driver) => {
      const input = driver.createInputTopic('employees', S, serdes.json<{ name: string; manager: string | null }>())
      await input.pipeInput('e1', { name: 'Ann', manager: null }, 1)
      await input.pipeInput('e2', { name: 'Bob', manager: 'e1' }, 2)
      await input.pipeInput('e3', { name: 'Cid', manager: 'e2' }, 3)
      await input.pipeInput('e1', { name: 'Anna', manager: null }, 4)
      expect(await stored(driver)).toEqual([
        ['e1', 'Anna<-'],
        ['e2', 'Bob<Anna'],
        ['e3', 'Cid<Bob'],
      ])
    })
  })
})
