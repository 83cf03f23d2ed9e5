import { describe, expect, test } from 'vitest'
import {
  defineTopology,
  Record,
  serdes,
  SessionWindows,
  SlidingWindows,
  StreamsBuilder,
  TimeWindows,
  TopologyError,
  type CogroupedKStream,
  type EmitStrategy,
  type KTable,
  type TimeWindow,
  type Topology,
  type Windowed,
} from 'sluice'
import type { TopologyTestDriver } from 'sluice/testing'
import { prng } from '../state/helpers.js'
import { BACKENDS, collect, entries, withDriver } from '../helpers/driver.js'

interface Click {
  page: string
}
interface Purchase {
  amount: number
}
/** Keyed by the order, not by the customer: grouping it by customer repartitions. */
interface Refund {
  customer: string
  amount: number
}
interface Activity {
  clicks: number
  spent: number
  refunded: number
}

const S = serdes.string()
const CLICK = serdes.json<Click>()
const PURCHASE = serdes.json<Purchase>()
const REFUND = serdes.json<Refund>()
const ACTIVITY = serdes.json<Activity>()
const NONE: Activity = { clicks: 0, spent: 0, refunded: 0 }
const HEADERS = { trace: 'trace-1' }

const addClick = (_customer: string, _click: Click, activity: Activity): Activity => ({ ...activity, clicks: activity.clicks + 1 })
const addPurchase = (_customer: string, purchase: Purchase, activity: Activity): Activity => ({ ...activity, spent: activity.spent + purchase.amount })
const addRefund = (_customer: string, refund: Refund, activity: Activity): Activity => ({ ...activity, refunded: activity.refunded + refund.amount })
const mergeActivities = (_customer: string, one: Activity, two: Activity): Activity => ({
  clicks: one.clicks + two.clicks,
  spent: one.spent + two.spent,
  refunded: one.refunded + two.refunded,
})
const activity = (clicks: number, spent: number, refunded = 0): Activity => ({ clicks, spent, refunded })

/** Clicks and purchases per customer, cogrouped. */
function clicksAndPurchases(b: StreamsBuilder): CogroupedKStream<string, Activity> {
  const clicks = b.stream('clicks', { key: S, value: CLICK }).groupByKey()
  const purchases = b.stream('purchases', { key: S, value: PURCHASE }).groupByKey()
  return clicks.cogroup(addClick).cogroup(purchases, addPurchase)
}

/** Clicks and purchases per customer, optionally refunds (keyed by order) too, into one activity table. */
function customerActivity(options: { refunds?: boolean; name?: string } = {}): Topology {
  return defineTopology({ applicationId: 'cogroup' }, (b) => {
    let cogrouped = clicksAndPurchases(b)
    if (options.refunds) cogrouped = cogrouped.cogroup(b.stream('refunds', { key: S, value: REFUND }).groupBy((_order, refund) => refund.customer, { key: S }), addRefund)
    cogrouped
      .aggregate(() => NONE, { value: ACTIVITY, store: 'activity', name: options.name })
      .toStream()
      .to('activity-out')
  })
}

function io(driver: TopologyTestDriver) {
  const clicks = driver.createInputTopic('clicks', S, CLICK)
  const purchases = driver.createInputTopic('purchases', S, PURCHASE)
  const output = driver.createOutputTopic('activity-out', S, ACTIVITY)
  const read = () => output.readRecordsToList().map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp, trace: r.headers.trace?.toString() }))
  const click = (customer: string, timestamp: number) => clicks.pipeInput(customer, { page: '/' }, timestamp, HEADERS)
  const purchase = (customer: string, amount: number, timestamp: number) => purchases.pipeInput(customer, { amount }, timestamp, HEADERS)
  return { output, read, click, purchase, store: () => driver.getKeyValueStore<string, Activity>('activity') }
}

const update = (key: string, value: Activity, timestamp: number) => ({ key, value, timestamp, trace: 'trace-1' })

describe.each(BACKENDS)('cogroup on %s', (backend) => {
  test('two streams of different value types fold into one aggregate per key, each through its own aggregator', async () => {
    const topology = customerActivity()
    expect(topology.subtopologies).toHaveLength(1)
    expect(topology.internalTopics.map((topic) => topic.name)).toEqual(['cogroup-activity-changelog'])
    await withDriver(topology, { backend }, async (driver) => {
      const { read, click, purchase, store } = io(driver)
      await click('alice', 1)
      await purchase('alice', 30, 2)
      await click('bob', 3)
      await purchase('alice', 12, 4)
      await click('alice', 5)
      // Every update is forwarded, timestamped (and with the headers of) the record that made it.
      expect(read()).toEqual([
        update('alice', activity(1, 0), 1),
        update('alice', activity(1, 30), 2),
        update('bob', activity(1, 0), 3),
        update('alice', activity(1, 42), 4),
        update('alice', activity(2, 42), 5),
      ])
      expect(entries(await collect(store().all()))).toEqual([
        ['alice', activity(2, 42)],
        ['bob', activity(1, 0)],
      ])
    })
  })

  test('three streams, one grouped by a new key through its own repartition topic', async () => {
    const topology = customerActivity({ refunds: true })
    const repartition = 'cogroup-refunds-group-by-repartition'
    expect(topology.internalTopics.filter((topic) => topic.kind === 'repartition')).toEqual([{ name: repartition, kind: 'repartition' }])
    // The inputs are co-partitioned: the aggregate reads all three in one sub-topology.
    expect(topology.subtopologies.map((sub) => [sub.sourceTopics, sub.sinkTopics])).toEqual([
      [['clicks', 'purchases', repartition], ['activity-out']],
      [['refunds'], [repartition]],
    ])
    await withDriver(topology, { backend }, async (driver) => {
      const { read, click, purchase, store } = io(driver)
      const refunds = driver.createInputTopic('refunds', S, REFUND)
      await click('alice', 1)
      await purchase('alice', 30, 2)
      await refunds.pipeInput('order-7', { customer: 'alice', amount: 10 }, 3, HEADERS)
      await refunds.pipeInput('order-8', { customer: 'bob', amount: 5 }, 4, HEADERS)
      await purchase('bob', 20, 5)
      expect(driver.topicContents(repartition).map((r) => r.key?.toString())).toEqual(['alice', 'bob'])
      expect(read()).toEqual([
        update('alice', activity(1, 0), 1),
        update('alice', activity(1, 30), 2),
        update('alice', activity(1, 30, 10), 3),
        update('bob', activity(0, 0, 5), 4),
        update('bob', activity(0, 20, 5), 5),
      ])
      expect(store().get('alice')).toEqual(activity(1, 30, 10))
    })
  })

  test('every input that changes keys keeps a repartition topic of its own', () => {
    const topology = defineTopology({ applicationId: 'cogroup' }, (b) => {
      const orders = b.stream('orders', { key: S, value: REFUND }).groupBy((_order, order) => order.customer, { key: S })
      const refunds = b.stream('refunds', { key: S, value: REFUND }).groupBy((_order, refund) => refund.customer, { key: S, repartition: 'refunds-by-customer' })
      const clicks = b
        .stream('clicks', { key: S, value: CLICK })
        .selectKey((_key, click) => click.page)
        .groupByKey({ key: S })
      orders
        .cogroup(addRefund)
        .cogroup(refunds, addRefund)
        .cogroup(clicks, addClick)
        .aggregate(() => NONE, { value: ACTIVITY })
    })
    expect(topology.internalTopics.filter((topic) => topic.kind === 'repartition').map((topic) => topic.name)).toEqual([
      'cogroup-orders-group-by-repartition',
      'cogroup-refunds-by-customer-repartition',
      'cogroup-clicks-group-by-key-repartition',
    ])
    expect(topology.subtopologies.map((sub) => sub.sourceTopics)).toContainEqual(['cogroup-orders-group-by-repartition', 'cogroup-refunds-by-customer-repartition', 'cogroup-clicks-group-by-key-repartition'])
  })

  test('with the update cache on, a key updated through several inputs is forwarded once per commit, with its latest aggregate', async () => {
    await withDriver(customerActivity(), { backend, updateCacheMaxEntries: 100 }, async (driver) => {
      const { read, click, purchase } = io(driver)
      await click('alice', 1)
      await purchase('alice', 30, 2)
      await click('bob', 3)
      await click('alice', 4)
      expect(read()).toEqual([])
      await driver.commit()
      expect(read()).toEqual([update('bob', activity(1, 0), 3), update('alice', activity(2, 30), 4)])
      expect(driver.metrics().updateCacheHits).toBe(2)
    })
  })

  test('the store is changelogged and restored: a new instance goes on from the aggregates', async () => {
    const changelog = 'cogroup-activity-changelog'
    let records: readonly { key: Buffer | null; value: Buffer | null }[] = []
    await withDriver(customerActivity(), { backend }, async (driver) => {
      const { click, purchase } = io(driver)
      await click('alice', 1)
      await purchase('alice', 30, 2)
      await purchase('bob', 7, 3)
      await driver.commit()
      records = driver.topicContents(changelog)
    })
    expect(records.map((record) => record.key?.toString())).toEqual(['alice', 'bob'])
    await withDriver(customerActivity(), { backend, restoreChangelogs: { [changelog]: records } }, async (driver) => {
      const { read, click, store } = io(driver)
      expect(entries(await collect(store().all()))).toEqual([
        ['alice', activity(1, 30)],
        ['bob', activity(0, 7)],
      ])
      await click('bob', 4)
      expect(read()).toEqual([update('bob', activity(1, 7), 4)])
    })
  })

  test('tumbling windows: one aggregate per key and window from all inputs; a late record reaches onLateRecord as its input had it', async () => {
    const late: { record: Record<string, unknown>; closedWindows: readonly TimeWindow[] }[] = []
    const topology = defineTopology({ applicationId: 'cogroup' }, (b) => {
      clicksAndPurchases(b)
        .windowedBy(TimeWindows.ofSize(10_000).grace(1_000))
        .aggregate(() => NONE, { value: ACTIVITY, store: 'activity-windows', onLateRecord: (record, closedWindows) => late.push({ record, closedWindows }) })
        .toStream()
        .to('windows-out', { key: serdes.windowed(S), value: ACTIVITY })
    })
    expect(topology.describe()).toContain('activity-windows (window, window 10000 ms, retention 11000 ms, changelog: cogroup-activity-windows-changelog)')
    await withDriver(topology, { backend }, async (driver) => {
      const { click, purchase } = io(driver)
      const output = driver.createOutputTopic('windows-out', serdes.windowed(S), ACTIVITY)
      await click('alice', 1_000)
      await purchase('alice', 30, 9_999)
      await purchase('alice', 5, 10_000)
      await click('alice', 11_000) // closes [0, 10000)
      await purchase('alice', 99, 2_000)
      const window = (start: number) => ({ start, end: start + 10_000 })
      expect(output.readKeyValuesToList()).toEqual([
        { key: { key: 'alice', window: window(0) }, value: activity(1, 0) },
        { key: { key: 'alice', window: window(0) }, value: activity(1, 30) },
        { key: { key: 'alice', window: window(10_000) }, value: activity(0, 5) },
        { key: { key: 'alice', window: window(10_000) }, value: activity(1, 5) },
      ])
      expect(driver.getWindowStore<string, Activity>('activity-windows').fetch('alice', 0)).toEqual(activity(1, 30))
      expect(late.map(({ record, closedWindows }) => [record.key, record.value, closedWindows])).toEqual([['alice', { amount: 99 }, [window(0)]]])
      expect(driver.metrics().lateRecordsDropped).toBe(1)
    })
  })

  test('session windows: a record of either input extends a session; one bridging two sessions merges them with the merger', async () => {
    const topology = defineTopology({ applicationId: 'cogroup' }, (b) => {
      clicksAndPurchases(b)
        .windowedBy(SessionWindows.ofInactivityGapAndGrace(10_000, 10_000))
        .aggregate(() => NONE, mergeActivities, { value: ACTIVITY, store: 'visits' })
        .toStream()
        .to('visits-out', { key: serdes.windowed(S), value: serdes.nullable(ACTIVITY) })
    })
    expect(topology.describe()).toContain('visits (session, retention 20000 ms, changelog: cogroup-visits-changelog)')
    await withDriver(topology, { backend }, async (driver) => {
      const { click, purchase } = io(driver)
      const output = driver.createOutputTopic('visits-out', serdes.windowed(S), serdes.nullable(ACTIVITY))
      const session = (start: number, end: number): Windowed<string> => ({ key: 'alice', window: { start, end } })
      await click('alice', 0)
      await purchase('alice', 30, 15_000) // more than the gap after 0: a session of its own
      await click('alice', 8_000) // within the gap of both: merges them
      await purchase('alice', 4, 25_000) // exactly the gap after 15000: extends the merged session
      expect(output.readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([
        [session(0, 0), activity(1, 0), 0],
        [session(15_000, 15_000), activity(0, 30), 15_000],
        [session(0, 0), null, 0],
        [session(15_000, 15_000), null, 15_000],
        [session(0, 15_000), activity(2, 30), 15_000],
        [session(0, 15_000), null, 15_000],
        [session(0, 25_000), activity(2, 34), 25_000],
      ])
      expect(await collect(driver.getSessionStore<string, Activity>('visits').fetch('alice'))).toEqual([{ key: session(0, 25_000), value: activity(2, 34) }])
    })
  })
})

type Kind = 'none' | 'tumbling' | 'hopping' | 'session' | 'sliding'
type Tagged = { kind: 'click'; click: Click } | { kind: 'purchase'; purchase: Purchase } | { kind: 'refund'; refund: Refund }

/**
 * The same aggregation twice over the same three streams: as a cogroup, and as one grouped
 * stream of the streams merged (values tagged by input) with a single aggregator. A cogroup
 * is meant to be exactly that, with typed inputs and no merge: outputs and stores must agree.
 */
function cogroupAndMerged(kind: Kind, emit: EmitStrategy): Topology {
  return defineTopology({ applicationId: 'cogroup-oracle' }, (b) => {
    const clicks = b.stream('clicks', { key: S, value: CLICK })
    const purchases = b.stream('purchases', { key: S, value: PURCHASE })
    const refunds = b.stream('refunds', { key: S, value: REFUND })
    const refundsByCustomer = refunds.groupBy((_order, refund) => refund.customer, { key: S })
    const cogrouped = clicks.groupByKey().cogroup(addClick).cogroup(purchases.groupByKey(), addPurchase).cogroup(refundsByCustomer, addRefund)

    const merged = clicks
      .mapValues((click): Tagged => ({ kind: 'click', click }))
      .merge(purchases.mapValues((purchase): Tagged => ({ kind: 'purchase', purchase })))
      .merge(refunds.map((_order, refund) => [refund.customer, { kind: 'refund', refund } as Tagged] as const))
      .groupByKey({ key: S, value: serdes.json<Tagged>() })
    const aggregator = (customer: string, tagged: Tagged, total: Activity): Activity =>
      tagged.kind === 'click' ? addClick(customer, tagged.click, total) : tagged.kind === 'purchase' ? addPurchase(customer, tagged.purchase, total) : addRefund(customer, tagged.refund, total)

    const value = ACTIVITY
    // Each table writes with its own serdes (windowed keys; session tables' nullable values).
    const out = <K, V>(table: KTable<K, V>, topic: string) => table.toStream().to(topic)
    const windows = { tumbling: TimeWindows.ofSize(1_000).grace(500), hopping: TimeWindows.ofSize(1_000).advanceBy(250).grace(500) }
    if (kind === 'none') {
      out(cogrouped.aggregate(() => NONE, { value, store: 'cogrouped' }), 'cogrouped-out')
      out(merged.aggregate(() => NONE, aggregator, { value, store: 'merged' }), 'merged-out')
    } else if (kind === 'session') {
      const sessions = SessionWindows.ofInactivityGapAndGrace(300, 500)
      out(cogrouped.windowedBy(sessions).aggregate(() => NONE, mergeActivities, { value, store: 'cogrouped', emit }), 'cogrouped-out')
      out(merged.windowedBy(sessions).aggregate(() => NONE, aggregator, mergeActivities, { value, store: 'merged', emit }), 'merged-out')
    } else if (kind === 'sliding') {
      const sliding = SlidingWindows.ofTimeDifferenceAndGrace(400, 500)
      out(cogrouped.windowedBy(sliding).aggregate(() => NONE, { value, store: 'cogrouped', emit }), 'cogrouped-out')
      out(merged.windowedBy(sliding).aggregate(() => NONE, aggregator, { value, store: 'merged', emit }), 'merged-out')
    } else {
      out(cogrouped.windowedBy(windows[kind]).aggregate(() => NONE, { value, store: 'cogrouped', emit }), 'cogrouped-out')
      out(merged.windowedBy(windows[kind]).aggregate(() => NONE, aggregator, { value, store: 'merged', emit }), 'merged-out')
    }
  })
}

describe('a cogroup equals one aggregation of its inputs merged', () => {
  const cases: [Kind, EmitStrategy, number][] = [
    ['none', 'update', 0],
    ['none', 'update', 10],
    ['tumbling', 'update', 10],
    ['tumbling', 'final', 0],
    ['hopping', 'update', 0],
    ['session', 'update', 10],
    ['session', 'final', 0],
    ['sliding', 'update', 0],
    ['sliding', 'final', 10],
  ]
  test.each(cases)('%s windows, emit %s, update cache of %i entries: the same outputs, the same store', async (kind, emit, updateCacheMaxEntries) => {
    const random = prng(42)
    await withDriver(cogroupAndMerged(kind, emit), { backend: 'memory', updateCacheMaxEntries, commitEveryRecords: 37 }, async (driver) => {
      const inputs = {
        clicks: driver.createInputTopic('clicks', S, CLICK),
        purchases: driver.createInputTopic('purchases', S, PURCHASE),
        refunds: driver.createInputTopic('refunds', S, REFUND),
      }
      let time = 0
      for (let i = 0; i < 400; i++) {
        time += Math.floor(random() * 60)
        // Some records out of order, a few of them late.
        const timestamp = Math.max(0, time - (random() < 0.2 ? Math.floor(random() * 1_200) : 0))
        const customer = `c${Math.floor(random() * 4)}`
        const which = random()
        if (which < 0.4) await inputs.clicks.pipeInput(customer, { page: `/p${i}` }, timestamp)
        else if (which < 0.8) await inputs.purchases.pipeInput(customer, { amount: i }, timestamp)
        else await inputs.refunds.pipeInput(`order-${i}`, { customer, amount: i % 7 }, timestamp)
      }
      await driver.commit()
      const contents = (topic: string) => driver.topicContents(topic).map((r) => [r.key?.toString('hex'), r.value?.toString(), r.timestamp])
      expect(contents('cogrouped-out').length).toBeGreaterThan(20)
      expect(contents('cogrouped-out')).toEqual(contents('merged-out'))
      const changelog = (store: string) => contents(`cogroup-oracle-${store}-changelog`)
      expect(changelog('cogrouped')).toEqual(changelog('merged'))
      // Some records came late for their windows: each was dropped by both.
      const dropped = driver.metrics().lateRecordsDropped
      expect(dropped % 2).toBe(0)
      if (kind !== 'none') expect(dropped).toBeGreaterThan(0)
    })
  })
})

describe('cogroup in the topology', () => {
  test('describe(), --dot and --mermaid show a node per input, the aggregate node and the one store they share', () => {
    const topology = customerActivity({ name: 'activity-by-customer' })
    const described = topology.describe()
    expect(described).toContain('Processor: activity-by-customer-input-1 (stores: [activity])\n      --> activity-by-customer\n      <-- source-1')
    expect(described).toContain('Processor: activity-by-customer-input-2 (stores: [activity])\n      --> activity-by-customer\n      <-- source-2')
    expect(described).toContain('Processor: activity-by-customer (stores: [activity])\n      --> sink-')
    expect(described).toContain('      <-- activity-by-customer-input-1, activity-by-customer-input-2')
    expect(described).toContain('    activity (keyValue, changelog: cogroup-activity-changelog)')
    expect(topology.toDot()).toContain('[label="activity (keyValue)"')
    expect(topology.toDot()).toContain('activity-by-customer-input-2')
    expect(topology.toMermaid()).toContain('activity (keyValue)')
    expect(topology.toMermaid()).toContain('activity-by-customer-input-1')
  })

  test('generated names: the store is named after the first stream, so cogrouping one more keeps it', () => {
    const storeOf = (withRefunds: boolean) =>
      defineTopology({ applicationId: 'names' }, (b) => {
        const both = clicksAndPurchases(b)
        const cogrouped = withRefunds ? both.cogroup(b.stream('refunds', { key: S, value: REFUND }).groupByKey(), addRefund) : both
        cogrouped.aggregate(() => NONE, { value: ACTIVITY })
        cogrouped.windowedBy(TimeWindows.ofSize(1_000).noGrace()).aggregate(() => NONE, { value: ACTIVITY, emit: 'final' })
      })
    const two = storeOf(false)
    expect([...two.stores.keys()]).toEqual(['clicks-cogroup-aggregate', 'clicks-cogroup-windowed-aggregate', 'clicks-cogroup-windowed-aggregate-emitted'])
    expect([...storeOf(true).stores.keys()]).toEqual([...two.stores.keys()])
    expect(two.describe()).toMatch(/Processor: cogroup-input-\d+ \(stores: \[clicks-cogroup-aggregate\]\)/)
    expect(two.describe()).toMatch(/Processor: cogroup-aggregate-\d+ \(stores: \[clicks-cogroup-aggregate\]\)/)
    expect(two.describe()).toMatch(/Processor: cogroup-windowed-aggregate-\d+ \(stores: \[clicks-cogroup-windowed-aggregate, clicks-cogroup-windowed-aggregate-emitted\]\)/)
  })

  test('session and sliding cogroups: the inputs feed the aggregate node, which alone uses the store', () => {
    const topology = defineTopology({ applicationId: 'names' }, (b) => {
      const cogrouped = clicksAndPurchases(b)
      cogrouped.windowedBy(SessionWindows.ofInactivityGapWithNoGrace(1_000)).aggregate(() => NONE, mergeActivities, { value: ACTIVITY, name: 'visits' })
      cogrouped.windowedBy(SlidingWindows.ofTimeDifferenceWithNoGrace(1_000)).aggregate(() => NONE, { value: ACTIVITY, name: 'recent' })
    })
    const described = topology.describe()
    expect([...topology.stores.keys()]).toEqual(['clicks-cogroup-session-aggregate', 'clicks-cogroup-sliding-aggregate'])
    expect(described).toContain('Processor: visits-input-1 (stores: [])')
    expect(described).toContain('Processor: visits (stores: [clicks-cogroup-session-aggregate])')
    expect(described).toContain('Processor: recent (stores: [clicks-cogroup-sliding-aggregate])')
  })

  test('an input fed by a source loads its batch’s store entries (one multi-get), as the aggregate processor would if the source fed it', async () => {
    const tumbling = defineTopology({ applicationId: 'cogroup' }, (b) => {
      clicksAndPurchases(b).windowedBy(TimeWindows.ofSize(10).advanceBy(5).noGrace()).aggregate(() => NONE, { value: ACTIVITY, name: 'windowed' })
    })
    const prefetched = async (topology: Topology, node: string) => {
      const found = topology.subtopologies.flatMap((sub) => sub.nodes).find((candidate) => candidate.name === node)
      if (found?.kind !== 'processor') throw new Error(`no processor ${node}`)
      const processor = found.supplier() as ReturnType<typeof found.supplier> & { prefetch?(records: readonly Record<unknown, unknown>[]): Promise<void> }
      const loaded: unknown[] = []
      const store = { name: 'store', prefetch: async (what: unknown) => void loaded.push(what) }
      await processor.init?.({ getStateStore: () => store } as never)
      await processor.prefetch?.([new Record('alice', { page: '/' }, 7), new Record('bob', { page: '/' }, 12)])
      return loaded
    }
    expect(await prefetched(customerActivity({ name: 'activity' }), 'activity-input-2')).toEqual([['alice', 'bob']])
    expect(await prefetched(tumbling, 'windowed-input-1')).toEqual([
      [
        { key: 'alice', windowStart: 0 },
        { key: 'alice', windowStart: 5 },
        { key: 'bob', windowStart: 5 },
        { key: 'bob', windowStart: 10 },
      ],
    ])
  })

  test('streams of different builders, or one stream twice, are refused', () => {
    const one = new StreamsBuilder('one')
    const two = new StreamsBuilder('two')
    const clicks = one.stream('clicks', { key: S, value: CLICK }).groupByKey()
    const purchases = two.stream('purchases', { key: S, value: PURCHASE }).groupByKey()
    const cogrouped = clicks.cogroup(addClick)
    expect(() => cogrouped.cogroup(purchases, addPurchase)).toThrow(TopologyError)
    expect(() => cogrouped.cogroup(purchases, addPurchase)).toThrow('cogroup of "clicks" with "purchases": the streams come from different builders')
    expect(() => cogrouped.cogroup(clicks, addClick)).toThrow('cogroup of "clicks" with "clicks": that grouped stream is in the cogroup already')
  })
})
