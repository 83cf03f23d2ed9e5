import { describe, expect, test } from 'vitest'
import { defineTopology, Record, serdes, SlidingWindows, type EmitStrategy, type TimeWindow, type ValueAndTimestamp, type Windowed } from 'sluice'
import type { TopologyTestDriver } from 'sluice/testing'
import { prng } from '../state/helpers.js'
import { BACKENDS, collect, withDriver } from '../helpers/driver.js'

interface LateCall {
  record: Record<string, string>
  closedWindows: readonly TimeWindow[]
}

const D = 10_000

/** A sliding-window count per key over "events", written to "sliding-out". */
function slidingCount(windows: SlidingWindows, options: { emit?: EmitStrategy; late?: LateCall[] } = {}) {
  const late = options.late
  return defineTopology({ applicationId: 'sliding' }, (b) => {
    b.stream('events', { key: serdes.string(), value: serdes.string() })
      .groupByKey()
      .windowedBy(windows)
      .count({ store: 'counts', emit: options.emit, onLateRecord: late ? (record, closedWindows) => late.push({ record, closedWindows }) : undefined })
      .toStream()
      .to('sliding-out')
  })
}

function io(driver: TopologyTestDriver) {
  const input = driver.createInputTopic('events', serdes.string(), serdes.string())
  const output = driver.createOutputTopic('sliding-out', serdes.windowed(serdes.string()), serdes.long())
  const store = driver.getWindowStore<string, ValueAndTimestamp<number>>('counts')
  const read = () => output.readRecordsToList().map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp }))
  return { input, output, store, read, pipe: (key: string, timestamp: number, value = `${key}@${timestamp}`) => input.pipeInput(key, value, timestamp) }
}

function window(key: string, start: number): Windowed<string> {
  return { key, window: { start, end: start + D } }
}

/** A window's count, timestamped with its latest record's time as Kafka Streams does. */
const update = (key: string, start: number, value: number, timestamp: number) => ({ key: window(key, start), value, timestamp })

/** Every window of a store as `start=count`, oldest first. */
async function windowsOf(driver: TopologyTestDriver, key: string): Promise<string[]> {
  const store = driver.getWindowStore<string, ValueAndTimestamp<number>>('counts')
  return (await collect(store.fetchRange(key, 0, Number.MAX_SAFE_INTEGER))).map(({ key: windowed, value }) => `${windowed.window.start}=${value.value}`)
}

/**
 * The windows Kafka Streams' sliding windows hold for these record times, from their
 * definition: the left window of every record ([0, D] before D), and the right window of every
 * record that another follows within D + 1, each counting the records in it, both ends inclusive.
 */
function expectedWindows(times: readonly number[]): string[] {
  const starts = new Set<number>()
  for (const t of times) {
    starts.add(t < D ? 0 : t - D)
    if (times.some((other) => other > t && other <= t + 1 + D)) starts.add(t + 1)
  }
  return [...starts].sort((a, b) => a - b).map((start) => `${start}=${times.filter((t) => t >= start && t <= start + D).length}`)
}

describe.each(BACKENDS)('sliding windows on %s', (backend) => {
  test('a record makes its own window [t - D, t]; the next one within D makes the window right after the first', async () => {
    await withDriver(slidingCount(SlidingWindows.ofTimeDifferenceAndGrace(D, 20_000)), { backend }, async (driver) => {
      const { store, read, pipe } = io(driver)
      await pipe('a', 100_000)
      expect(read()).toEqual([update('a', 90_000, 1, 100_000)])
      await pipe('a', 105_000)
      expect(read()).toEqual([update('a', 95_000, 2, 105_000), update('a', 100_001, 1, 105_000)])
      expect(store.fetch('a', 100_001)).toEqual({ value: 1, timestamp: 105_000 })
      expect(await windowsOf(driver, 'a')).toEqual(['90000=1', '95000=2', '100001=1'])
    })
  })

  test('records exactly D apart share a window (both ends inclusive); D + 1 apart do not', async () => {
    await withDriver(slidingCount(SlidingWindows.ofTimeDifferenceAndGrace(D, 20_000)), { backend }, async (driver) => {
      const { read, pipe } = io(driver)
      await pipe('a', 100_000)
      await pipe('a', 110_000)
      expect(read()).toEqual([update('a', 90_000, 1, 100_000), update('a', 100_000, 2, 110_000), update('a', 100_001, 1, 110_000)])
      await pipe('a', 110_001) // D + 1 after 100000: only with 110000
      expect(read()).toEqual([update('a', 100_001, 2, 110_001), update('a', 110_001, 1, 110_001)])
      expect(await windowsOf(driver, 'a')).toEqual(['90000=1', '100000=2', '100001=2', '110001=1'])
      expect(await windowsOf(driver, 'a')).toEqual(expectedWindows([100_000, 110_000, 110_001]))
    })
  })

  test('no empty windows: records further than D + 1 apart have no window between them', async () => {
    await withDriver(slidingCount(SlidingWindows.ofTimeDifferenceWithNoGrace(D)), { backend }, async (driver) => {
      const { read, pipe } = io(driver)
      await pipe('a', 100_000)
      await pipe('a', 100_000 + D + 2)
      expect(read()).toEqual([update('a', 90_000, 1, 100_000), update('a', 100_002, 1, 110_002)])
      expect(await windowsOf(driver, 'a')).toEqual(['90000=1', '100002=1'])
    })
  })

  test('out of order within grace: the record joins the windows that hold it and makes the ones it defines', async () => {
    await withDriver(slidingCount(SlidingWindows.ofTimeDifferenceAndGrace(D, 20_000)), { backend }, async (driver) => {
      const { read, pipe } = io(driver)
      await pipe('a', 100_000)
      await pipe('a', 120_000)
      expect(read()).toEqual([update('a', 90_000, 1, 100_000), update('a', 110_000, 1, 120_000)])
      await pipe('a', 108_000)
      expect(read()).toEqual([update('a', 98_000, 2, 108_000), update('a', 100_001, 1, 108_000)])
      await pipe('a', 115_000) // updates [110000, 120000] and makes its right window from it, holding 120000
      expect(read()).toEqual([
        update('a', 105_000, 2, 115_000),
        update('a', 108_001, 1, 115_000),
        update('a', 110_000, 2, 120_000),
        update('a', 115_001, 1, 120_000),
      ])
      expect(await windowsOf(driver, 'a')).toEqual(expectedWindows([100_000, 120_000, 108_000, 115_000]))
      expect(driver.metrics().lateRecordsDropped).toBe(0)
    })
  })

  test('late beyond grace: a record whose windows are all closed (t + D before stream time - grace) is dropped, counted and handed to onLateRecord', async () => {
    const late: LateCall[] = []
    await withDriver(slidingCount(SlidingWindows.ofTimeDifferenceAndGrace(D, 20_000), { late }), { backend }, async (driver) => {
      const { read, pipe } = io(driver)
      await pipe('a', 100_000)
      await pipe('b', 200_000) // close time 180000
      read()
      await pipe('a', 169_999, 'too late') // every window holding it ends by 179999
      await pipe('a', 170_000, 'its window ends at the close time') // [160000, 170000] ends before 180000 too: late as well
      await pipe('a', 180_000) // [170000, 180000] ends exactly at the close time: open
      expect(read()).toEqual([update('a', 170_000, 1, 180_000)])
      expect(driver.metrics().lateRecordsDropped).toBe(2)
      expect(late.map(({ record, closedWindows }) => ({ value: record.value, timestamp: record.timestamp, closedWindows }))).toEqual([
        { value: 'too late', timestamp: 169_999, closedWindows: [{ start: 159_999, end: 169_999 }] },
        { value: 'its window ends at the close time', timestamp: 170_000, closedWindows: [{ start: 160_000, end: 170_000 }] },
      ])
      expect(late[0].record).toBeInstanceOf(Record)
      expect(await windowsOf(driver, 'a')).toEqual(['170000=1'])
    })
  })

  test('a record partly late updates its open windows and reports the closed ones', async () => {
    const late: LateCall[] = []
    await withDriver(slidingCount(SlidingWindows.ofTimeDifferenceWithNoGrace(D), { late }), { backend }, async (driver) => {
      const { read, pipe } = io(driver)
      await pipe('a', 100_000)
      await pipe('a', 109_000)
      await pipe('b', 110_000) // close time 110000: [99000, 109000] is closed, [100001, 110001] is not
      read()
      await pipe('a', 101_000)
      expect(read()).toEqual([update('a', 100_001, 2, 109_000), update('a', 101_001, 1, 109_000)])
      expect(late.map((call) => call.closedWindows)).toEqual([
        [
          { start: 91_000, end: 101_000 },
          { start: 99_000, end: 109_000 },
        ],
      ])
      expect(driver.metrics().lateRecordsDropped).toBe(1)
      expect(await windowsOf(driver, 'a')).toEqual(['90000=1', '99000=2', '100001=2', '101001=1'])
    })
  })

  test('records before D share the window [0, D], and make right windows as later ones come', async () => {
    await withDriver(slidingCount(SlidingWindows.ofTimeDifferenceAndGrace(D, 60_000)), { backend }, async (driver) => {
      const { read, pipe } = io(driver)
      await pipe('a', 2_000)
      expect(read()).toEqual([update('a', 0, 1, 2_000)])
      await pipe('a', 5_000)
      expect(read()).toEqual([update('a', 0, 2, 5_000), update('a', 2_001, 1, 5_000)])
      await pipe('a', 12_000)
      expect(read()).toEqual([update('a', 2_000, 3, 12_000), update('a', 2_001, 2, 12_000), update('a', 5_001, 1, 12_000)])
      await pipe('a', 1_000) // early and out of order: [0, D] and the right window after it
      expect(read()).toEqual([update('a', 0, 3, 5_000), update('a', 1_001, 2, 5_000)])
      expect(await windowsOf(driver, 'a')).toEqual(expectedWindows([2_000, 5_000, 12_000, 1_000]))
    })
  })

  test('random records in random order, duplicates included, give exactly the windows of the definition', async () => {
    const random = prng(450)
    await withDriver(slidingCount(SlidingWindows.ofTimeDifferenceAndGrace(D, 1_000_000)), { backend }, async (driver) => {
      const { pipe, output } = io(driver)
      const times: string[][] = [[], []]
      const seen: number[][] = [[], []]
      for (let i = 0; i < 150; i++) {
        const k = random() < 0.5 ? 0 : 1
        // Clustered times, so that windows overlap a lot; some near the epoch; some repeated.
        const t = seen[k].length > 0 && random() < 0.15 ? seen[k][Math.floor(random() * seen[k].length)] : Math.floor(random() * 60_000)
        seen[k].push(t)
        times[k].push(String(t))
        await pipe(`k${k}`, t)
      }
      for (const k of [0, 1]) expect(await windowsOf(driver, `k${k}`)).toEqual(expectedWindows(seen[k]))
      // The table's latest value per window is the store's.
      const latest = output.readKeyValuesToMap((key) => `${key.key}@${key.window.start}`)
      for (const k of [0, 1]) {
        const fromOutput = [...latest].filter(([id]) => id.startsWith(`k${k}@`)).map(([id, value]) => [Number(id.split('@')[1]), value] as const)
        expect(fromOutput.sort((a, b) => a[0] - b[0]).map(([start, value]) => `${start}=${value}`)).toEqual(expectedWindows(seen[k]))
      }
      expect(driver.metrics().lateRecordsDropped).toBe(0)
    })
  })

  test("emit 'final' forwards each window once, when stream time passes its end + grace", async () => {
    const late: LateCall[] = []
    await withDriver(slidingCount(SlidingWindows.ofTimeDifferenceWithNoGrace(D), { emit: 'final', late }), { backend }, async (driver) => {
      const { read, pipe } = io(driver)
      await pipe('a', 100_000)
      expect(read()).toEqual([])
      await pipe('a', 105_000) // [90000, 100000] ends before 105000
      expect(read()).toEqual([update('a', 90_000, 1, 100_000)])
      await pipe('b', 110_000) // [95000, 105000] ends before 110000
      expect(read()).toEqual([update('a', 95_000, 2, 105_000)])
      await pipe('b', 110_001) // [100000, 110000] closes; b now has [100001, 110001] and [110001, 120001]
      expect(read()).toEqual([update('b', 100_000, 1, 110_000)])
      await pipe('a', 99_000, 'late') // every window holding it is closed
      expect(read()).toEqual([])
      await pipe('x', 200_000)
      expect(read()).toEqual([update('a', 100_001, 1, 105_000), update('b', 100_001, 2, 110_001), update('b', 110_001, 1, 110_001)])
      expect(late.map((call) => call.record.value)).toEqual(['late'])
      expect(driver.metrics().lateRecordsDropped).toBe(1)
    })
  })

  test('reduce and aggregate over sliding windows', async () => {
    const topology = defineTopology({ applicationId: 'sliding-values' }, (b) => {
      const windowed = b.stream('events', { key: serdes.string(), value: serdes.string() }).groupByKey().windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(D, 20_000))
      windowed
        .reduce((one, two) => `${one}+${two}`, { store: 'joined' })
        .toStream()
        .to('joined-out')
      windowed
        .aggregate(() => 0, (_key, value, sum) => sum + value.length, { value: serdes.long(), store: 'lengths' })
        .toStream()
        .to('lengths-out')
    })
    await withDriver(topology, { backend }, async (driver) => {
      const input = driver.createInputTopic('events', serdes.string(), serdes.string())
      const joined = driver.createOutputTopic('joined-out', serdes.windowed(serdes.string()), serdes.string())
      const lengths = driver.createOutputTopic('lengths-out', serdes.windowed(serdes.string()), serdes.long())
      await input.pipeInput('k', 'x', 100_000)
      await input.pipeInput('k', 'yy', 104_000)
      await input.pipeInput('k', 'zzz', 102_000)
      expect(joined.readKeyValuesToMap((key) => key.window.start)).toEqual(
        new Map([
          [90_000, 'x'],
          [94_000, 'x+yy+zzz'],
          [92_000, 'x+zzz'],
          [100_001, 'yy+zzz'],
          [102_001, 'yy'],
        ]),
      )
      expect(lengths.readKeyValuesToMap((key) => key.window.start).get(100_001)).toBe(5)
    })
  })
})

describe('SlidingWindows', () => {
  test('time differences and grace periods in milliseconds or as text; the store keeps 2 D + grace + 2', () => {
    const windows = SlidingWindows.ofTimeDifferenceAndGrace('5m', '30s')
    expect([windows.timeDifferenceMs, windows.graceMs, windows.retentionMs]).toEqual([300_000, 30_000, 630_002])
    expect(SlidingWindows.ofTimeDifferenceWithNoGrace(1_000).graceMs).toBe(0)
    expect(() => SlidingWindows.ofTimeDifferenceWithNoGrace(0)).toThrow(/at least 1/)
  })

  test('describe shows the window store of the time difference', () => {
    const text = slidingCount(SlidingWindows.ofTimeDifferenceAndGrace(D, 5_000)).describe()
    expect(text).toContain('counts (window, window 10000 ms, retention 25002 ms, changelog: sliding-counts-changelog)')
    expect(text).toMatch(/Processor: sliding-count-\d+ \(stores: \[counts\]\)/)
  })
})
