import { describe, expect, test } from 'vitest'
import { defineTopology, Record, serdes, TimeWindows, type EmitStrategy, type TimeWindow, type Windowed } from 'sluice'
import type { TopologyTestDriver } from 'sluice/testing'
import { BACKENDS, collect, withDriver } from '../helpers/driver.js'

interface LateCall {
  record: Record<string, string>
  closedWindows: readonly TimeWindow[]
}

/** A windowed count per key over topic "events", written to "counts-out"; late records land in `late`. */
function windowedCount(windows: TimeWindows, options: { emit?: EmitStrategy; late?: LateCall[] } = {}) {
  const late = options.late
  return defineTopology({ applicationId: 'windows' }, (b) => {
    b.stream('events', { key: serdes.string(), value: serdes.string() })
      .groupByKey()
      .windowedBy(windows)
      .count({ store: 'counts', emit: options.emit, onLateRecord: late ? (record, closedWindows) => late.push({ record, closedWindows }) : undefined })
      .toStream()
      .to('counts-out', { key: serdes.windowed(serdes.string()), value: serdes.long() })
  })
}

function windowed(key: string, start: number, size: number): Windowed<string> {
  return { key, window: { start, end: start + size } }
}

function io(driver: TopologyTestDriver) {
  const input = driver.createInputTopic('events', serdes.string(), serdes.string())
  const output = driver.createOutputTopic('counts-out', serdes.windowed(serdes.string()), serdes.long())
  const store = driver.getWindowStore<string, number>('counts')
  return { input, output, store, pipe: (key: string, timestamp: number, value = `${key}@${timestamp}`) => input.pipeInput(key, value, timestamp) }
}

const SIZE = 10_000
const GRACE = 2_000
const tumbling = () => TimeWindows.ofSize(SIZE).grace(GRACE)

describe.each(BACKENDS)('windows on %s', (backend) => {
  test('a record exactly at the window end belongs to the next window', async () => {
    await withDriver(windowedCount(tumbling()), { backend }, async (driver) => {
      const { output, store, pipe } = io(driver)
      await pipe('a', 0)
      await pipe('a', SIZE - 1)
      await pipe('a', SIZE)
      expect(output.readKeyValuesToList()).toEqual([
        { key: windowed('a', 0, SIZE), value: 1 },
        { key: windowed('a', 0, SIZE), value: 2 },
        { key: windowed('a', SIZE, SIZE), value: 1 },
      ])
      expect(store.fetch('a', 0)).toBe(2)
      expect(store.fetch('a', SIZE)).toBe(1)
      expect(driver.metrics().lateRecordsDropped).toBe(0)
    })
  })

  test('a window closes when stream time reaches end + grace exactly: a record for it is dropped as late', async () => {
    const late: LateCall[] = []
    await withDriver(windowedCount(tumbling(), { late }), { backend }, async (driver) => {
      const { output, store, pipe } = io(driver)
      await pipe('a', 5_000)
      await pipe('b', SIZE + GRACE) // stream time = end + grace of [0, 10000)
      await pipe('a', SIZE - 1, 'too late')
      expect(output.readKeyValuesToList()).toEqual([
        { key: windowed('a', 0, SIZE), value: 1 },
        { key: windowed('b', SIZE, SIZE), value: 1 },
      ])
      expect(store.fetch('a', 0)).toBe(1)
      expect(driver.metrics().lateRecordsDropped).toBe(1)
      expect(late).toHaveLength(1)
      expect(late[0].record).toBeInstanceOf(Record)
      expect({ key: late[0].record.key, value: late[0].record.value, timestamp: late[0].record.timestamp }).toEqual({ key: 'a', value: 'too late', timestamp: SIZE - 1 })
      expect(late[0].closedWindows).toEqual([{ start: 0, end: SIZE }])
    })
  })

  test('one millisecond before end + grace the window still accepts records', async () => {
    const late: LateCall[] = []
    await withDriver(windowedCount(tumbling(), { late }), { backend }, async (driver) => {
      const { output, store, pipe } = io(driver)
      await pipe('a', 5_000)
      await pipe('b', SIZE + GRACE - 1)
      await pipe('a', 0)
      expect(output.readKeyValuesToList()).toEqual([
        { key: windowed('a', 0, SIZE), value: 1 },
        { key: windowed('b', SIZE, SIZE), value: 1 },
        { key: windowed('a', 0, SIZE), value: 2 },
      ])
      expect(store.fetch('a', 0)).toBe(2)
      expect(driver.metrics().lateRecordsDropped).toBe(0)
      expect(late).toEqual([])
    })
  })

  test('an out-of-order record within grace updates its old window', async () => {
    await withDriver(windowedCount(tumbling()), { backend }, async (driver) => {
      const { output, store, pipe } = io(driver)
      await pipe('a', 1_000)
      await pipe('a', 10_500)
      await pipe('a', 3_000)
      const records = output.readRecordsToList()
      expect(records.map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp }))).toEqual([
        { key: windowed('a', 0, SIZE), value: 1, timestamp: 1_000 },
        { key: windowed('a', SIZE, SIZE), value: 1, timestamp: 10_500 },
        { key: windowed('a', 0, SIZE), value: 2, timestamp: 3_000 },
      ])
      expect(store.fetch('a', 0)).toBe(2)
      expect(store.fetch('a', SIZE)).toBe(1)
      expect(driver.metrics().lateRecordsDropped).toBe(0)
    })
  })

  test('records late beyond grace are counted and handed to onLateRecord, never silently lost', async () => {
    const late: LateCall[] = []
    await withDriver(windowedCount(tumbling(), { late }), { backend }, async (driver) => {
      const { output, store, pipe } = io(driver)
      await pipe('a', 1_000)
      await pipe('a', 30_000)
      output.readKeyValuesToList()
      await pipe('a', 2_000, 'late-1')
      await pipe('b', 15_000, 'late-2') // [10000, 20000) closed at 22000 <= 30000
      await pipe('b', 28_000, 'on time') // [20000, 30000) closes at 32000
      expect(output.readKeyValuesToList()).toEqual([{ key: windowed('b', 20_000, SIZE), value: 1 }])
      expect(driver.metrics().lateRecordsDropped).toBe(2)
      expect(late.map(({ record, closedWindows }) => ({ key: record.key, value: record.value, timestamp: record.timestamp, closedWindows }))).toEqual([
        { key: 'a', value: 'late-1', timestamp: 2_000, closedWindows: [{ start: 0, end: SIZE }] },
        { key: 'b', value: 'late-2', timestamp: 15_000, closedWindows: [{ start: SIZE, end: 2 * SIZE }] },
      ])
      expect(store.fetch('b', SIZE)).toBeUndefined()
      expect(driver.metrics().recordsProcessed).toBe(5)
    })
  })

  test('late records are counted even without a callback', async () => {
    await withDriver(windowedCount(tumbling()), { backend }, async (driver) => {
      const { output, pipe } = io(driver)
      await pipe('a', 50_000)
      await pipe('a', 1_000)
      await pipe('a', 37_999) // [30000, 40000) closes at 42000
      expect(driver.metrics().lateRecordsDropped).toBe(2)
      expect(output.readKeyValuesToList()).toEqual([{ key: windowed('a', 50_000, SIZE), value: 1 }])
    })
  })

  test('hopping windows put a record in every window that contains it', async () => {
    const hopping = TimeWindows.ofSize(SIZE).advanceBy(2_500).grace(GRACE)
    await withDriver(windowedCount(hopping), { backend }, async (driver) => {
      const { output, store, pipe } = io(driver)
      // Near the epoch there are fewer windows: none starts before 0.
      await pipe('b', 1_000)
      expect(output.readKeyValuesToList()).toEqual([{ key: windowed('b', 0, SIZE), value: 1 }])
      await pipe('a', 12_345)
      expect(output.readKeyValuesToList()).toEqual([2_500, 5_000, 7_500, 10_000].map((start) => ({ key: windowed('a', start, SIZE), value: 1 })))
      await pipe('b', 12_500) // 12500 is the end of [2500, 12500): not in it
      expect(output.readKeyValuesToList()).toEqual([5_000, 7_500, 10_000, 12_500].map((start) => ({ key: windowed('b', start, SIZE), value: 1 })))
      expect(await collect(store.fetchRange('a', 0, 20_000))).toEqual([2_500, 5_000, 7_500, 10_000].map((start) => ({ key: windowed('a', start, SIZE), value: 1 })))
    })
  })

  test('a hopping record updates its open windows and reports only the closed ones as late', async () => {
    const late: LateCall[] = []
    const hopping = TimeWindows.ofSize(SIZE).advanceBy(5_000).grace(1_000)
    await withDriver(windowedCount(hopping, { late }), { backend }, async (driver) => {
      const { output, store, pipe } = io(driver)
      await pipe('a', 7_000)
      await pipe('a', 12_000) // stream time 12000 closes [0, 10000) (at 11000), not [5000, 15000)
      output.readKeyValuesToList()
      await pipe('a', 9_000)
      expect(output.readKeyValuesToList()).toEqual([{ key: windowed('a', 5_000, SIZE), value: 3 }])
      expect(store.fetch('a', 0)).toBe(1)
      expect(store.fetch('a', 5_000)).toBe(3)
      expect(late.map((call) => call.closedWindows)).toEqual([[{ start: 0, end: SIZE }]])
      expect(driver.metrics().lateRecordsDropped).toBe(1)
    })
  })

  test("emit 'final' forwards each window exactly once, when stream time closes it, and nothing before", async () => {
    const late: LateCall[] = []
    await withDriver(windowedCount(tumbling(), { emit: 'final', late }), { backend }, async (driver) => {
      const { output, store, pipe } = io(driver)
      await pipe('a', 1_000)
      await pipe('b', 2_000)
      await pipe('a', 5_000)
      await pipe('a', 11_000)
      await pipe('b', SIZE + GRACE - 1)
      expect(output.isEmpty()).toBe(true)
      expect(store.fetch('a', 0)).toBe(2)

      await pipe('a', SIZE + GRACE) // closes [0, 10000)
      const first = output.readRecordsToList()
      expect(first.map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp }))).toEqual([
        { key: windowed('a', 0, SIZE), value: 2, timestamp: SIZE + GRACE },
        { key: windowed('b', 0, SIZE), value: 1, timestamp: SIZE + GRACE },
      ])

      await pipe('a', 3_000) // late: not counted into the emitted window, not emitted again
      await pipe('a', 14_000)
      await pipe('b', 21_999)
      expect(output.isEmpty()).toBe(true)
      await pipe('b', 22_000) // closes [10000, 20000)
      expect(output.readKeyValuesToList()).toEqual([
        { key: windowed('a', SIZE, SIZE), value: 3 },
        { key: windowed('b', SIZE, SIZE), value: 1 },
      ])
      await pipe('c', 23_000)
      await pipe('c', 31_999)
      expect(output.isEmpty()).toBe(true)
      await pipe('a', 100_000) // closes [20000, 30000) and every later window up to [80000, 90000)
      expect(output.readKeyValuesToList()).toEqual([
        { key: windowed('b', 2 * SIZE, SIZE), value: 2 },
        { key: windowed('c', 2 * SIZE, SIZE), value: 1 },
        { key: windowed('c', 3 * SIZE, SIZE), value: 1 },
      ])
      expect(late.map((call) => call.record.timestamp)).toEqual([3_000])
      expect(driver.metrics().lateRecordsDropped).toBe(1)
    })
  })

  test("emit 'final' with hopping windows", async () => {
    const hopping = TimeWindows.ofSize(SIZE).advanceBy(5_000).noGrace()
    await withDriver(windowedCount(hopping, { emit: 'final' }), { backend }, async (driver) => {
      const { output, pipe } = io(driver)
      await pipe('a', 7_000) // [0, 10000) and [5000, 15000)
      expect(output.isEmpty()).toBe(true)
      await pipe('b', 10_000) // closes [0, 10000); b is in [5000, 15000) and [10000, 20000)
      expect(output.readKeyValuesToList()).toEqual([{ key: windowed('a', 0, SIZE), value: 1 }])
      await pipe('b', 14_999)
      expect(output.isEmpty()).toBe(true)
      await pipe('b', 15_000) // closes [5000, 15000)
      expect(output.readKeyValuesToList()).toEqual([
        { key: windowed('a', 5_000, SIZE), value: 1 },
        { key: windowed('b', 5_000, SIZE), value: 2 },
      ])
    })
  })
})

describe('TimeWindows', () => {
  test('sizes, advances and grace periods in milliseconds or as text', () => {
    const tumbling = TimeWindows.ofSize('1m').grace('10s')
    expect([tumbling.sizeMs, tumbling.advanceMs, tumbling.graceMs, tumbling.retentionMs, tumbling.isTumbling]).toEqual([60_000, 60_000, 10_000, 70_000, true])
    const hopping = TimeWindows.ofSize('1h').advanceBy('15m').grace('500ms')
    expect([hopping.sizeMs, hopping.advanceMs, hopping.graceMs, hopping.isTumbling]).toEqual([3_600_000, 900_000, 500, false])
    expect(TimeWindows.ofSize('2d').noGrace().graceMs).toBe(0)
    expect(TimeWindows.ofSize(1_500).grace('1.5s').graceMs).toBe(1_500)
    expect(TimeWindows.ofSize('1m').grace('10s').advanceBy('20s').advanceMs).toBe(20_000)
  })

  test('invalid definitions throw', () => {
    expect(() => TimeWindows.ofSize(0).noGrace()).toThrow('A window size must be positive')
    expect(() => TimeWindows.ofSize('1m').advanceBy('2m').grace('0s')).toThrow('A window advance must be in (0, size]; got 120000 for size 60000')
    expect(() => TimeWindows.ofSize('1m').grace('10s').advanceBy(0)).toThrow('A window advance must be in (0, size]')
    expect(() => TimeWindows.ofSize('1 m' as '1m')).toThrow('Invalid duration "1 m"')
    expect(() => TimeWindows.ofSize('1m').grace(-1)).toThrow('Invalid duration -1')
  })

  test('windowStartsFor and isClosed follow [start, start + size) and end + grace', () => {
    const windows = TimeWindows.ofSize(10).advanceBy(3).grace(2)
    expect(windows.windowStartsFor(11)).toEqual([3, 6, 9])
    expect(windows.windowStartsFor(0)).toEqual([0])
    expect(windows.isClosed(0, 11)).toBe(false)
    expect(windows.isClosed(0, 12)).toBe(true)
  })
})
