import { describe, expect, test } from 'vitest'
import { defineTopology, serdes, Stores, TimeWindows, TopologyBuilder, TopologyError, type ProcessorSupplier, type Topology } from 'sluice'
import categoryCountsTopology, { categoryCounts } from '../../topologies/category-counts.js'

const S = serdes.string()
const KV = { key: S, value: S }
const noop: ProcessorSupplier<unknown, unknown> = () => ({ process: () => {} })

/** The message of the TopologyError that `build` throws. */
function buildError(build: () => unknown): string {
  try {
    build()
  } catch (error) {
    expect(error).toBeInstanceOf(TopologyError)
    return (error as TopologyError).message
  }
  throw new Error('expected a TopologyError, but the topology was built')
}

const source = () => new TopologyBuilder('app').addSource('src', 'in', KV)

describe('TopologyBuilder validation at build time', () => {
  test('unknown parent', () => {
    expect(buildError(() => source().addProcessor('p', noop, 'src', 'missing').build())).toBe('Invalid topology "app":\n  - processor "p" names an unknown parent "missing"')
    expect(buildError(() => source().addSink('out', 'out-topic', KV, 'nowhere').build())).toBe('Invalid topology "app":\n  - sink "out" names an unknown parent "nowhere"')
  })

  test('a store used but never added', () => {
    expect(buildError(() => source().addProcessor('p', noop, 'src').connectProcessorAndStateStores('p', 'ghost').build())).toBe(
      'Invalid topology "app":\n  - processor "p" uses the store "ghost", which was never added',
    )
  })

  test('a store added but not attached to any processor', () => {
    expect(buildError(() => source().addProcessor('p', noop, 'src').addStateStore(Stores.keyValue('lonely', KV)).build())).toBe(
      'Invalid topology "app":\n  - the store "lonely" is not attached to any processor',
    )
  })

  test('a store attached to something that is not a processor', () => {
    expect(buildError(() => source().addSink('out', 'out-topic', KV, 'src').addStateStore(Stores.keyValue('s', KV), 'out').build())).toBe(
      'Invalid topology "app":\n  - the store "s" is attached to sink "out"; only processors hold stores',
    )
    expect(buildError(() => source().addProcessor('p', noop, 'src').addStateStore(Stores.keyValue('s', KV), 'p', 'ghost').build())).toBe(
      'Invalid topology "app":\n  - the store "s" is attached to an unknown processor "ghost"',
    )
  })

  test('duplicate names', () => {
    expect(buildError(() => source().addProcessor('src', noop, 'src').build())).toBe('Invalid topology "app":\n  - duplicate node name "src"')
    expect(buildError(() => source().addProcessor('p', noop, 'src').addSink('p', 'out', KV, 'src').build())).toBe('Invalid topology "app":\n  - duplicate node name "p"')
    expect(() => source().addProcessor('p', noop, 'src').addStateStore(Stores.keyValue('s', KV), 'p').addStateStore(Stores.keyValue('s', KV), 'p')).toThrow(
      new TopologyError('A state store named "s" was already added'),
    )
    const builder = new TopologyBuilder('app')
    builder.addRepartitionTopic('by-key')
    expect(() => builder.addRepartitionTopic('by-key')).toThrow(new TopologyError('The repartition topic "app-by-key-repartition" is declared twice'))
  })

  test('duplicate names through the DSL', () => {
    expect(
      buildError(() =>
        defineTopology({ applicationId: 'app' }, (b) => {
          const s = b.stream('in', KV)
          s.filter(() => true, { name: 'same' })
          s.mapValues((v) => v, { name: 'same' })
        }),
      ),
    ).toBe('Invalid topology "app":\n  - duplicate node name "same"')
    expect(() =>
      defineTopology({ applicationId: 'app' }, (b) => {
        const grouped = b.stream('in', KV).groupByKey()
        grouped.count({ store: 'totals' })
        grouped.reduce((a) => a, { store: 'totals' })
      }),
    ).toThrow(new TopologyError('A store named "totals" already exists'))
    expect(() =>
      defineTopology({ applicationId: 'app' }, (b) => {
        const s = b.stream('in', KV)
        s.groupBy((_k, v) => v, { key: S, repartition: 'by-value' }).count()
        s.groupBy((k) => k, { key: S, repartition: 'by-value' }).count()
      }),
    ).toThrow(new TopologyError('The repartition topic "app-by-value-repartition" is declared twice'))
  })

  test('cycles', () => {
    expect(buildError(() => source().addProcessor('a', noop, 'src', 'c').addProcessor('b', noop, 'a').addProcessor('c', noop, 'b').build())).toBe(
      'Invalid topology "app":\n  - cycle: a -> b -> c -> a',
    )
    expect(buildError(() => source().addProcessor('a', noop, 'src', 'a').build())).toBe('Invalid topology "app":\n  - cycle: a -> a')
  })

  test('a sink or processor with no parent, or a sink as a parent', () => {
    expect(buildError(() => source().addSink('out', 'out-topic', KV).build())).toBe('Invalid topology "app":\n  - sink "out" has no parent')
    expect(buildError(() => source().addProcessor('p', noop).build())).toBe('Invalid topology "app":\n  - processor "p" has no parent')
    expect(buildError(() => source().addSink('out', 'out-topic', KV, 'src').addProcessor('p', noop, 'out').build())).toBe(
      'Invalid topology "app":\n  - processor "p" has the sink "out" as parent',
    )
  })

  test('invalid topic and application names', () => {
    expect(buildError(() => new TopologyBuilder('app').addSource('src', 'bad topic', KV).build())).toBe('Invalid topology "app":\n  - source "src": invalid topic name "bad topic"')
    expect(buildError(() => new TopologyBuilder('app').addSource('src', [], KV).build())).toBe('Invalid topology "app":\n  - source "src" reads no topic')
    expect(buildError(() => source().addSink('out', 'a/b', KV, 'src').build())).toBe('Invalid topology "app":\n  - sink "out": invalid topic name "a/b"')
    expect(() => new TopologyBuilder('my app')).toThrow(TopologyError)
  })

  test('application ids that would leave or share the state directory are refused at build time', () => {
    for (const id of ['..', '.', '', '../other', 'a/b', '.hidden', 'a\\b', 'x'.repeat(250)]) {
      expect(() => defineTopology({ applicationId: id }, (b) => void b.stream('in', KV).to('out')), id).toThrow(TopologyError)
    }
    expect(() => new TopologyBuilder('..')).toThrow('applicationId ".." must be characters of [a-zA-Z0-9._-] not starting with "."')
    expect(() => new TopologyBuilder('')).toThrow('applicationId "" must not be empty')
    for (const id of ['app', 'category-counts', 'a.b_c-1', '_x']) expect(() => new TopologyBuilder(id)).not.toThrow()
  })

  test('invalid store names', () => {
    const unsafe = 'must be characters of [a-zA-Z0-9._-] not starting with "." (it names a directory under the state directory, and topics)'
    for (const name of ['my store', '../escape', 'a/b', '.', '..', '.checkpoint', '.sluice-state']) {
      expect(buildError(() => source().addProcessor('p', noop, 'src').addStateStore(Stores.keyValue(name, { ...KV, logging: false }), 'p').build())).toBe(
        `Invalid topology "app":\n  - invalid store name "${name}": it ${unsafe}`,
      )
    }
    expect(buildError(() => source().addProcessor('p', noop, 'src').addStateStore(Stores.keyValue('', { ...KV, logging: false }), 'p').build())).toBe(
      'Invalid topology "app":\n  - invalid store name "": it must not be empty',
    )
    expect(buildError(() => source().addProcessor('p', noop, 'src').addStateStore(Stores.keyValue('s'.repeat(240), KV), 'p').build())).toBe(
      `Invalid topology "app":\n  - the store "${'s'.repeat(240)}" has a changelog topic name longer than 249 characters`,
    )
    expect(
      buildError(() =>
        defineTopology({ applicationId: 'app' }, (b) => {
          b.stream('in', KV).groupByKey().count({ store: 'per key' })
        }),
      ),
    ).toBe(`Invalid topology "app":\n  - invalid store name "per key": it ${unsafe}`)
  })

  test('every mistake is reported at once', () => {
    expect(
      buildError(() =>
        source()
          .addProcessor('p', noop, 'missing')
          .addSink('out', 'o', KV)
          .addStateStore(Stores.keyValue('lonely', KV))
          .connectProcessorAndStateStores('p', 'ghost')
          .addProcessor('p', noop, 'src')
          .build(),
      ),
    ).toBe(
      [
        'Invalid topology "app":',
        '  - duplicate node name "p"',
        '  - processor "p" names an unknown parent "missing"',
        '  - sink "out" has no parent',
        '  - processor "p" uses the store "ghost", which was never added',
        '  - the store "lonely" is not attached to any processor',
      ].join('\n'),
    )
  })

  test('nodes may be added in any order: build() sorts parents first', () => {
    const topology = new TopologyBuilder('app')
      .addSink('out', 'out-topic', KV, 'p')
      .addProcessor('p', noop, 'src')
      .addSource('src', 'in', KV)
      .build()
    expect(topology.subtopologies[0].nodes.map((node) => node.name)).toEqual(['src', 'p', 'out'])
  })
})

const CATEGORY_COUNTS_DESCRIPTION = `Topology: category-counts
  Sub-topology: 0
    Source: source-1 (topics: [transactions])
      --> skip-tombstones
    Processor: skip-tombstones (stores: [])
      --> select-key-3
      <-- source-1
    Processor: select-key-3 (stores: [])
      --> group-by-repartition-sink-4
      <-- skip-tombstones
    Sink: group-by-repartition-sink-4 (topic: category-counts-transactions-by-category-repartition)
      <-- select-key-3
  Sub-topology: 1
    Source: group-by-repartition-source-5 (topics: [category-counts-transactions-by-category-repartition])
      --> windowed-count-6
    Processor: windowed-count-6 (stores: [counts-per-category])
      --> sink-7
      <-- group-by-repartition-source-5
    Sink: sink-7 (topic: category-counts)
      <-- windowed-count-6
  Stores:
    counts-per-category (window, window 60000 ms, retention 70000 ms, changelog: category-counts-counts-per-category-changelog)
  Internal topics:
    category-counts-transactions-by-category-repartition (repartition)
    category-counts-counts-per-category-changelog (changelog)
`

describe('describe()', () => {
  test('prints sub-topologies, nodes, stores and internal topics of category-counts', () => {
    expect(categoryCountsTopology.describe()).toBe(CATEGORY_COUNTS_DESCRIPTION)
  })

  test('is stable: building the same topology twice gives the same text', () => {
    expect(categoryCounts().describe()).toBe(categoryCounts().describe())
    expect(categoryCounts().describe()).toBe(categoryCountsTopology.describe())
    expect(categoryCountsTopology.describe()).toBe(categoryCountsTopology.describe())
  })

  test('shows a store shared by two processors in one sub-topology, and stores without changelog', () => {
    const topology = new TopologyBuilder('app')
      .addSource('a', 'in-a', KV)
      .addSource('b', 'in-b', KV)
      .addProcessor('pa', noop, 'a')
      .addProcessor('pb', noop, 'b')
      .addStateStore(Stores.keyValue('shared', { ...KV, logging: false }), 'pa', 'pb')
      .build()
    expect(topology.describe()).toBe(`Topology: app
  Sub-topology: 0
    Source: a (topics: [in-a])
      --> pa
    Source: b (topics: [in-b])
      --> pb
    Processor: pa (stores: [shared])
      <-- a
    Processor: pb (stores: [shared])
      <-- b
  Stores:
    shared (keyValue, changelog: none)
`)
  })
})

interface Tx {
  user: string
  category: string
  amount: number
}
const TX = serdes.json<Tx>()

/**
 * A topology with windowed and plain aggregates, a repartitioning join and a table, all with
 * generated names. `evolved` inserts operators before the grouping / join and adds unrelated
 * branches after the original ones.
 */
function evolving(evolved: boolean): Topology {
  return defineTopology({ applicationId: 'evolving' }, (b) => {
    const transactions = b.stream('transactions', { key: S, value: TX, timestamp: (tx) => tx.amount })
    let counted = transactions
    if (evolved) {
      counted = counted
        .filter((_key, tx) => tx.amount > 0)
        .mapValues((tx) => ({ ...tx, category: tx.category.toLowerCase() }))
        .peek(() => {})
    }
    counted
      .groupBy((_key, tx) => tx.category, { key: S, value: TX })
      .windowedBy(TimeWindows.ofSize('1m').grace('10s'))
      .count()
      .toStream()
      .to('category-counts', { key: serdes.windowed(S), value: serdes.long() })

    const users = b.table('users', KV)
    let joined = transactions
    if (evolved) joined = joined.filterNot((_key, tx) => tx.user === '').peek(() => {})
    joined
      .selectKey((_key, tx) => tx.user)
      .join(users, (tx, name) => ({ ...tx, user: name }))
      .groupByKey({ key: S, value: TX })
      .aggregate(() => 0, (_key, tx, total) => total + tx.amount, { value: serdes.double() })
      .toStream()
      .to('totals-per-user')

    transactions
      .groupByKey()
      .windowedBy(TimeWindows.ofSize('1h').advanceBy('10m').grace('0s'))
      .reduce((a, b) => (a.amount > b.amount ? a : b), { emit: 'final' })

    if (evolved) {
      transactions.groupBy((_key, tx) => tx.category, { key: S }).count()
      transactions.groupByKey().count()
      transactions.split().branch('big', (_key, tx) => tx.amount > 100).defaultBranch('small').big.groupByKey().count()
      b.stream('refunds', { key: S, value: TX })
        .selectKey((_key, tx) => tx.category)
        .groupByKey({ key: S })
        .reduce((a) => a)
    }
  })
}

const storeNames = (topology: Topology) => new Set(topology.stores.keys())
const internalTopicNames = (topology: Topology) => new Set(topology.internalTopics.map((topic) => topic.name))

describe('name stability', () => {
  test('generated store and internal topic names derive from topics and operations', () => {
    const original = evolving(false)
    expect(storeNames(original)).toEqual(
      new Set([
        'transactions-group-by-windowed-count',
        'users-table',
        'transactions-join-aggregate',
        'transactions-windowed-reduce',
        'transactions-windowed-reduce-emitted',
      ]),
    )
    expect(internalTopicNames(original)).toEqual(
      new Set([
        'evolving-transactions-group-by-repartition',
        'evolving-transactions-join-repartition',
        'evolving-transactions-group-by-windowed-count-changelog',
        'evolving-users-table-changelog',
        'evolving-transactions-join-aggregate-changelog',
        'evolving-transactions-windowed-reduce-changelog',
        'evolving-transactions-windowed-reduce-emitted-changelog',
      ]),
    )
  })

  test('inserting operators and adding branches after keeps every store and internal topic name', () => {
    const original = evolving(false)
    const evolvedTopology = evolving(true)
    const originalStores = storeNames(original)
    const evolvedStores = storeNames(evolvedTopology)
    const originalTopics = internalTopicNames(original)
    const evolvedTopics = internalTopicNames(evolvedTopology)
    expect([...originalStores].filter((name) => !evolvedStores.has(name))).toEqual([])
    expect([...originalTopics].filter((name) => !evolvedTopics.has(name))).toEqual([])
    // The additions got names of their own.
    expect([...evolvedStores].filter((name) => !originalStores.has(name)).sort()).toEqual(
      ['refunds-group-by-key-reduce', 'transactions-count', 'transactions-group-by-2-count', 'transactions-big-count'].sort(),
    )
    expect([...evolvedTopics].filter((name) => !originalTopics.has(name)).sort()).toEqual(
      [
        'evolving-transactions-group-by-2-repartition',
        'evolving-refunds-group-by-key-repartition',
        'evolving-refunds-group-by-key-reduce-changelog',
        'evolving-transactions-count-changelog',
        'evolving-transactions-group-by-2-count-changelog',
        'evolving-transactions-big-count-changelog',
      ].sort(),
    )
    // Each store keeps its changelog topic, and its sub-topology (so its task ids and state directories).
    const subtopologyOf = (topology: Topology, store: string) => topology.subtopologies.find((sub) => sub.stores.some((spec) => spec.name === store))?.id
    for (const store of originalStores) {
      expect(evolvedTopology.changelogTopicOf(store)).toBe(original.changelogTopicOf(store))
      expect([store, subtopologyOf(evolvedTopology, store)]).toEqual([store, subtopologyOf(original, store)])
    }
  })

  test('generated names are valid topic names after merges, multi-topic sources and any branch name', () => {
    const topology = defineTopology({ applicationId: 'app' }, (b) => {
      const a = b.stream('a', KV)
      a.merge(b.stream('b', KV)).groupByKey().count()
      b.stream(['c', 'd'], KV)
        .groupBy((key) => key, { key: S })
        .count()
      b.stream('e', KV).split().branch('big spender!', () => true).noDefaultBranch()['big spender!'].groupByKey().count()
    })
    expect(storeNames(topology)).toEqual(new Set(['a_b-count', 'c_d-group-by-count', 'e-big_spender_-count']))
    expect(topology.internalTopics.map((topic) => topic.name)).toEqual([
      'app-c_d-group-by-repartition',
      'app-a_b-count-changelog',
      'app-c_d-group-by-count-changelog',
      'app-e-big_spender_-count-changelog',
    ])
    for (const topic of topology.internalTopics) expect(topic.name).toMatch(/^[a-zA-Z0-9._-]{1,249}$/)
  })

  test('user-named stores and repartition topics are used verbatim', () => {
    const topology = defineTopology({ applicationId: 'named' }, (b) => {
      const transactions = b.stream('transactions', { key: S, value: TX })
      transactions
        .groupBy((_key, tx) => tx.category, { key: S, repartition: 'by-category' })
        .windowedBy(TimeWindows.ofSize('1m').grace('10s'))
        .count({ store: 'Category.Counts_v2' })
      transactions.selectKey((_key, tx) => tx.user).groupByKey({ key: S, repartition: 'by-user' }).count({ store: 'per-user', logging: false })
      b.table('users', { ...KV, store: 'user-names' })
      transactions.process(noop, { stores: [Stores.keyValue('custom-store', KV), Stores.window('custom-windows', { ...KV, windowSize: '1m', retention: '1h' })] })
    })
    expect(storeNames(topology)).toEqual(new Set(['Category.Counts_v2', 'per-user', 'user-names', 'custom-store', 'custom-windows']))
    expect(topology.internalTopics.map((topic) => topic.name)).toEqual([
      'named-by-category-repartition',
      'named-by-user-repartition',
      'named-Category.Counts_v2-changelog',
      'named-user-names-changelog',
      'named-custom-store-changelog',
      'named-custom-windows-changelog',
    ])
    expect(topology.changelogTopicOf('per-user')).toBeUndefined()
    expect(topology.stores.get('custom-windows')).toMatchObject({ type: 'window', windowSizeMs: 60_000, retentionMs: 3_600_000 })
  })
})
