import { describe, expect, test } from 'vitest'
import { defineTopology, JoinWindows, serdes, TopologyError, type Topology } from 'sluice'
import type { AdminClient, NewTopic } from '../../../src/runtime/kafka/client/admin-client.js'
import { prepareTopics } from '../../../src/runtime/kafka/internal-topics.js'

const S = serdes.string()

/** An admin client that knows topics and their partition counts, and records what it is asked to create. */
function fakeAdmin(partitions: { [topic: string]: number }): { admin: AdminClient; created: Map<string, number> } {
  const created = new Map<string, number>()
  const admin: Partial<AdminClient> = {
    listTopics: async () => Object.keys(partitions),
    partitionCounts: async (topics) => new Map(topics.filter((name) => name in partitions).map((name) => [name, partitions[name]])),
    topicConfigs: async () => new Map(),
    createTopics: async (topics: readonly NewTopic[]) => {
      for (const topic of topics) created.set(topic.name, topic.partitions ?? 1)
    },
  }
  return { admin: admin as AdminClient, created }
}

function streamJoin(rekeyLeft: boolean): Topology {
  return defineTopology({ applicationId: 'cop' }, (b) => {
    const clicks = b.stream('clicks', { key: S, value: S })
    const left = rekeyLeft ? clicks.selectKey((_key, value) => value) : clicks
    left.join(b.stream('views', { key: S, value: S }), (l, r) => l + r, JoinWindows.ofTimeDifferenceWithNoGrace(10)).to('out', { value: S })
  })
}

describe('co-partitioning of joined topics', () => {
  test('a stream-stream join of topics with different partition counts fails at start, naming the topics', async () => {
    const { admin } = fakeAdmin({ clicks: 3, views: 4 })
    const start = prepareTopics(admin, streamJoin(false), { replicationFactor: 1, extraTopics: [] })
    await expect(start).rejects.toThrow(TopologyError)
    await expect(start).rejects.toThrow(/different partition counts \(clicks: 3, views: 4\); co-partitioned topics must have the same count/)
  })

  test('the same counts pass, and the join stores’ changelogs get that many partitions', async () => {
    const { admin, created } = fakeAdmin({ clicks: 4, views: 4 })
    await prepareTopics(admin, streamJoin(false), { replicationFactor: 1, extraTopics: [] })
    expect(created.get('cop-clicks-join-views-this-changelog')).toBe(4)
    expect(created.get('cop-clicks-join-views-other-changelog')).toBe(4)
  })

  test('a repartitioned side takes the partition count of the topic it is joined with', async () => {
    const { admin, created } = fakeAdmin({ clicks: 6, views: 3 })
    await prepareTopics(admin, streamJoin(true), { replicationFactor: 1, extraTopics: [] })
    expect(created.get('cop-clicks-join-this-repartition')).toBe(3)
    expect(created.get('cop-clicks-join-views-this-changelog')).toBe(3)
  })

  test('a stream-table join after a key change too', async () => {
    const topology = defineTopology({ applicationId: 'cop' }, (b) => {
      const users = b.table('users', { key: S, value: S })
      b.stream('clicks', { key: S, value: S })
        .selectKey((_key, value) => value)
        .join(users, (click, user) => click + user)
        .to('out', { value: S })
    })
    const { admin, created } = fakeAdmin({ clicks: 8, users: 2 })
    await prepareTopics(admin, topology, { replicationFactor: 1, extraTopics: [] })
    expect(created.get('cop-clicks-join-repartition')).toBe(2)
  })

  test('a cogroup of topics with different partition counts fails at start; a regrouped input takes the count of the others', async () => {
    const topology = defineTopology({ applicationId: 'cop' }, (b) => {
      const clicks = b.stream('clicks', { key: S, value: S }).groupByKey()
      const views = b.stream('views', { key: S, value: S }).groupByKey()
      const orders = b.stream('orders', { key: S, value: S }).groupBy((_order, customer) => customer, { key: S })
      clicks
        .cogroup((_key, _click, total: number) => total + 1)
        .cogroup(views, (_key, _view, total) => total + 10)
        .cogroup(orders, (_key, _order, total) => total + 100)
        .aggregate(() => 0, { value: serdes.long(), store: 'totals' })
    })
    const start = prepareTopics(fakeAdmin({ clicks: 3, views: 4, orders: 4 }).admin, topology, { replicationFactor: 1, extraTopics: [] })
    await expect(start).rejects.toThrow(/different partition counts \(clicks: 3, views: 4, cop-orders-group-by-repartition: 4\)/)
    const { admin, created } = fakeAdmin({ clicks: 3, views: 3, orders: 8 })
    await prepareTopics(admin, topology, { replicationFactor: 1, extraTopics: [] })
    expect(created.get('cop-orders-group-by-repartition')).toBe(3)
    expect(created.get('cop-totals-changelog')).toBe(3)
  })

  test('a foreign-key join needs no co-partitioning: its subscription topic takes the right table\'s count, its response topic the left table\'s', async () => {
    const topology = defineTopology({ applicationId: 'cop' }, (b) => {
      const orders = b.table('orders', { key: S, value: serdes.json<{ product: string }>() })
      const products = b.table('products', { key: S, value: S })
      orders.join(products, (order) => order.product, (order, product) => order.product + product, { store: 'joined', value: S })
    })
    const { admin, created } = fakeAdmin({ orders: 3, products: 2 })
    await prepareTopics(admin, topology, { replicationFactor: 1, extraTopics: [] })
    expect(created.get('cop-orders-table-fk-join-products-subscription-repartition')).toBe(2)
    expect(created.get('cop-orders-table-fk-join-products-subscriptions-changelog')).toBe(2)
    expect(created.get('cop-orders-table-fk-join-products-response-repartition')).toBe(3)
    expect(created.get('cop-orders-table-fk-join-products-foreign-keys-changelog')).toBe(3)
    expect(created.get('cop-joined-changelog')).toBe(3)
  })

  test('a foreign-key join of a regrouped table: its response topic is co-partitioned with the regrouped rows', async () => {
    const topology = defineTopology({ applicationId: 'cop' }, (b) => {
      const latest = b.stream('clicks', { key: S, value: S }).groupBy((_key, page) => page, { key: S }).reduce((_old, page) => page, { store: 'latest' })
      latest.join(b.table('products', { key: S, value: S }), (page) => page, (page, product) => page + product)
    })
    const { admin, created } = fakeAdmin({ clicks: 4, products: 2 })
    await prepareTopics(admin, topology, { replicationFactor: 1, extraTopics: [] })
    expect(created.get('cop-clicks-group-by-repartition')).toBe(4)
    expect(created.get('cop-clicks-group-by-table-fk-join-products-response-repartition')).toBe(4)
    expect(created.get('cop-clicks-group-by-table-fk-join-products-subscription-repartition')).toBe(2)
  })
})
