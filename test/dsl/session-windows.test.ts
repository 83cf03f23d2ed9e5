import { describe, expect, test } from 'vitest'
import { defineTopology, Record, serdes, SessionWindows, type EmitStrategy, type TimeWindow, type Windowed } from 'sluice'
import type { TopologyTestDriver } from 'sluice/testing'
import { prng } from '../state/helpers.js'
import { BACKENDS, collect, withDriver } from '../helpers/driver.js'

interface LateCall {
  record: Record<string, string>
  closedWindows: readonly TimeWindow[]
}

const GAP = 10_000
const GRACE = 5_000
const sessions = (grace = GRACE) => SessionWindows.ofInactivityGapAndGrace(GAP, grace)

/** A session count per key over "events", written with the table's own serdes to "sessions-out". */
function sessionCount(windows: SessionWindows, options: { emit?: EmitStrategy; late?: LateCall[] } = {}) {
  const late = options.late
  return defineTopology({ applicationId: 'sessions' }, (b) => {
    b.stream('events', { key: serdes.string(), value: serdes.string() })
      .groupByKey()
      .windowedBy(windows)
      .count({ store: 'sessions', emit: options.emit, onLateRecord: late ? (record, closedWindows) => late.push({ record, closedWindows }) : undefined })
      .toStream()
      .to('sessions-out')
  })
}

function io(driver: TopologyTestDriver) {
  const input = driver.createInputTopic('events', serdes.string(), serdes.string())
  const output = driver.createOutputTopic('sessions-out', serdes.windowed(serdes.string()), serdes.nullable(serdes.long()))
  const store = driver.getSessionStore<string, number>('sessions')
  const read = () => output.readRecordsToList().map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp }))
  return { input, output, store, read, pipe: (key: string, timestamp: number, value = `${key}@${timestamp}`) => input.pipeInput(key, value, timestamp) }
}

function session(key: string, start: number, end: number): Windowed<string> {
  return { key, window: { start, end } }
}

/** An update of a session's count, timestamped with the session's end as Kafka Streams does. */
const update = (key: string, start: number, end: number, value: number | null) => ({ key: session(key, start, end), value, timestamp: end })
const tombstone = (key: string, start: number, end: number) => update(key, start, end, null)

describe.each(BACKENDS)('session windows on %s', (backend) => {
  test('a record within the gap of a session extends it; exactly the gap apart still does, one millisecond more starts a new session', async () => {
    await withDriver(sessionCount(sessions()), { backend }, async (driver) => {
      const { store, read, pipe } = io(driver)
      await pipe('a', 1_000)
      expect(read()).toEqual([update('a', 1_000, 1_000, 1)])
      await pipe('a', 1_000 + GAP) // exactly the gap after the session's end
      expect(read()).toEqual([tombstone('a', 1_000, 1_000), update('a', 1_000, 11_000, 2)])
      await pipe('a', 11_000 + GAP + 1)
      expect(read()).toEqual([update('a', 21_001, 21_001, 1)])
      await pipe('a', 15_000) // inside [1000, 11000]'s reach (4000 after its end) and within the gap before 21001
      expect(read()).toEqual([tombstone('a', 1_000, 11_000), tombstone('a', 21_001, 21_001), update('a', 1_000, 21_001, 4)])
      expect(await collect(store.fetch('a'))).toEqual([{ key: session('a', 1_000, 21_001), value: 4 }])
      expect(store.fetchSession('a', 1_000, 21_001)).toBe(4)
      expect(driver.metrics().lateRecordsDropped).toBe(0)
    })
  })

  test('exactly the gap before a session start joins it, out of order within grace; one millisecond more is a session of its own', async () => {
    await withDriver(sessionCount(sessions(3 * GAP)), { backend }, async (driver) => {
      const { store, read, pipe } = io(driver)
      await pipe('a', 50_000)
      await pipe('a', 50_000 - GAP)
      await pipe('a', 40_000 - GAP - 1)
      expect(read()).toEqual([update('a', 50_000, 50_000, 1), tombstone('a', 50_000, 50_000), update('a', 40_000, 50_000, 2), update('a', 29_999, 29_999, 1)])
      expect(await collect(store.fetch('a'))).toEqual([
        { key: session('a', 29_999, 29_999), value: 1 },
        { key: session('a', 40_000, 50_000), value: 2 },
      ])
    })
  })

  test("Kafka Streams' own example: with a gap of 5, records at 10, 12 and 20 are two sessions, and one at 16 merges them", async () => {
    await withDriver(sessionCount(SessionWindows.ofInactivityGapAndGrace(5, 100)), { backend }, async (driver) => {
      const { store, read, pipe } = io(driver)
      for (const t of [10, 12, 20]) await pipe('A', t)
      expect(await collect(store.fetch('A'))).toEqual([
        { key: session('A', 10, 12), value: 2 },
        { key: session('A', 20, 20), value: 1 },
      ])
      read()
      await pipe('A', 16)
      expect(read()).toEqual([tombstone('A', 10, 12), tombstone('A', 20, 20), update('A', 10, 20, 4)])
    })
  })

  test('a record inside a session updates it in place: no tombstone for the session itself', async () => {
    await withDriver(sessionCount(sessions()), { backend }, async (driver) => {
      const { read, pipe } = io(driver)
      await pipe('a', 1_000)
      await pipe('a', 5_000)
      read()
      await pipe('a', 3_000)
      await pipe('a', 5_000)
      expect(read()).toEqual([update('a', 1_000, 5_000, 3), update('a', 1_000, 5_000, 4)])
    })
  })

  test('a record bridging two sessions merges them: one tombstone per merged-away session, then the merged session', async () => {
    await withDriver(sessionCount(sessions()), { backend }, async (driver) => {
      const { store, read, pipe } = io(driver)
      await pipe('a', 0)
      await pipe('a', 5_000)
      await pipe('a', 16_000) // 11 s after 5000: a second session
      await pipe('a', 19_000)
      await pipe('b', 7_000)
      expect(read()).toEqual([
        update('a', 0, 0, 1),
        tombstone('a', 0, 0),
        update('a', 0, 5_000, 2),
        update('a', 16_000, 16_000, 1),
        tombstone('a', 16_000, 16_000),
        update('a', 16_000, 19_000, 2),
        update('b', 7_000, 7_000, 1),
      ])
      // Stream time 19000: the close time is 19000 - gap - grace = 4000, [0, 5000] is open.
      // 10000 is within the gap of both sessions.
      await pipe('a', 10_000)
      expect(read()).toEqual([tombstone('a', 0, 5_000), tombstone('a', 16_000, 19_000), update('a', 0, 19_000, 5)])
      expect(await collect(store.fetch('a'))).toEqual([{ key: session('a', 0, 19_000), value: 5 }])
      expect(store.fetchSession('a', 0, 5_000)).toBeUndefined()
      expect(store.fetchSession('a', 16_000, 19_000)).toBeUndefined()
      expect(await collect(store.fetch('b'))).toEqual([{ key: session('b', 7_000, 7_000), value: 1 }])
      expect(driver.metrics().lateRecordsDropped).toBe(0)
    })
  })

  test('late beyond grace: a record whose session would end before stream time - gap - grace is dropped, counted and handed to onLateRecord', async () => {
    const late: LateCall[] = []
    await withDriver(sessionCount(sessions(), { late }), { backend }, async (driver) => {
      const { store, read, pipe } = io(driver)
      await pipe('a', 1_000)
      await pipe('b', 1_000 + GAP + GRACE - 1) // close time 999: [1000, 1000] is open
      await pipe('a', 500) // joins it, out of order within grace
      expect(read()).toEqual([update('a', 1_000, 1_000, 1), update('b', 15_999, 15_999, 1), tombstone('a', 1_000, 1_000), update('a', 500, 1_000, 2)])
      await pipe('b', 16_001) // close time 1001: [500, 1000] is closed
      read()
      await pipe('a', 990, 'too late') // within the gap of [500, 1000], which is closed: its own session [990, 990] ends before 1001
      await pipe('c', 0, 'too late too')
      expect(read()).toEqual([])
      expect(driver.metrics().lateRecordsDropped).toBe(2)
      expect(late.map(({ record, closedWindows }) => ({ key: record.key, value: record.value, timestamp: record.timestamp, closedWindows }))).toEqual([
        { key: 'a', value: 'too late', timestamp: 990, closedWindows: [{ start: 990, end: 990 }] },
        { key: 'c', value: 'too late too', timestamp: 0, closedWindows: [{ start: 0, end: 0 }] },
      ])
      expect(late[0].record).toBeInstanceOf(Record)
      // Closed, and expired from the store too (its end + gap + grace is behind the newest session end).
      expect(store.fetchSession('a', 500, 1_000)).toBeUndefined()
      // Exactly at the close time a new session is still accepted.
      await pipe('c', 1_001)
      expect(read()).toEqual([update('c', 1_001, 1_001, 1)])
      expect(driver.metrics().lateRecordsDropped).toBe(2)
    })
  })

  test("a session ending exactly at the close time is no longer joined (Kafka Streams' store has expired it), while a record whose own session ends there is still accepted", async () => {
    const late: LateCall[] = []
    await withDriver(sessionCount(sessions(), { late }), { backend }, async (driver) => {
      const { read, pipe } = io(driver)
      await pipe('a', 1_000)
      await pipe('a', 1_000)
      await pipe('x', 1_000 + GAP + GRACE) // close time 1000: [1000, 1000] ends exactly there
      read()
      await pipe('a', 500, 'within its gap') // cannot join it; its own [500, 500] is before the close time
      expect(read()).toEqual([])
      expect(late.map((call) => call.record.value)).toEqual(['within its gap'])
      // [1000, 1000] of its own is not late; it replaces the stored session instead of adding to it.
      await pipe('a', 1_000)
      expect(read()).toEqual([update('a', 1_000, 1_000, 1)])
      expect(driver.metrics().lateRecordsDropped).toBe(1)
    })
  })

  test('a closed session is never joined, even while the store still holds it: a record within its gap starts a session of its own', async () => {
    // Records of key "clock" are filtered out before the aggregation: they move the task's
    // stream time (which closes sessions) but put nothing in the store (which expires them).
    const topology = defineTopology({ applicationId: 'sessions' }, (b) => {
      b.stream('events', { key: serdes.string(), value: serdes.string() })
        .filter((key) => key !== 'clock')
        .groupByKey()
        .windowedBy(sessions())
        .count({ store: 'sessions' })
        .toStream()
        .to('sessions-out')
    })
    await withDriver(topology, { backend }, async (driver) => {
      const { store, read, pipe } = io(driver)
      await pipe('a', 1_000)
      await pipe('clock', 16_001) // close time 1001: [1000, 1000] is closed
      expect(store.fetchSession('a', 1_000, 1_000)).toBe(1)
      read()
      await pipe('a', 6_000) // 5 s after the closed session: its own session [6000, 6000] is open
      expect(read()).toEqual([update('a', 6_000, 6_000, 1)])
      expect(await collect(store.fetch('a'))).toEqual([
        { key: session('a', 1_000, 1_000), value: 1 },
        { key: session('a', 6_000, 6_000), value: 1 },
      ])
      expect(driver.metrics().lateRecordsDropped).toBe(0)
    })
  })

  test('late records are counted without a handler, and late records are never aggregated', async () => {
    await withDriver(sessionCount(SessionWindows.ofInactivityGapWithNoGrace(GAP)), { backend }, async (driver) => {
      const { store, read, pipe } = io(driver)
      await pipe('a', 100_000)
      await pipe('a', 80_000) // its own session would end at 80000 < 100000 - 10000
      await pipe('a', 89_999)
      await pipe('a', 90_000) // exactly the gap before the session: joins it
      expect(read()).toEqual([update('a', 100_000, 100_000, 1), tombstone('a', 100_000, 100_000), update('a', 90_000, 100_000, 2)])
      expect(driver.metrics().lateRecordsDropped).toBe(2)
      expect(await collect(store.fetch('a'))).toEqual([{ key: session('a', 90_000, 100_000), value: 2 }])
    })
  })

  test("emit 'final' forwards each session once, when stream time closes it, in order of end; merged-away sessions and tombstones never", async () => {
    const late: LateCall[] = []
    await withDriver(sessionCount(sessions(), { emit: 'final', late }), { backend }, async (driver) => {
      const { read, pipe } = io(driver)
      await pipe('a', 1_000)
      await pipe('a', 5_000)
      await pipe('b', 3_000)
      await pipe('a', 16_000)
      await pipe('b', 18_000) // close time 3000: b's [3000, 3000] ends exactly there, still open
      expect(read()).toEqual([])
      await pipe('b', 18_001) // close time 3001
      expect(read()).toEqual([update('b', 3_000, 3_000, 1)])
      await pipe('a', 20_001) // close time 5001
      expect(read()).toEqual([update('a', 1_000, 5_000, 2)])
      await pipe('a', 31_000)
      await pipe('a', 25_000) // bridges [16000, 20001] and [31000, 31000]
      await pipe('a', 4_000, 'late') // [1000, 5000] is closed (and emitted): dropped
      await pipe('x', 46_000) // close time 31000: [16000, 31000] ends exactly there, still open
      expect(read()).toEqual([update('b', 18_000, 18_001, 2)])
      await pipe('x', 46_001)
      expect(read()).toEqual([update('a', 16_000, 31_000, 4)])
      expect(late.map((call) => call.record.value)).toEqual(['late'])
      expect(driver.metrics().lateRecordsDropped).toBe(1)
    })
  })

  test('aggregate merges bridged sessions with the merger, oldest first, then aggregates the record; reduce likewise', async () => {
    const topology = defineTopology({ applicationId: 'session-values' }, (b) => {
      const grouped = b.stream('events', { key: serdes.string(), value: serdes.string() }).groupByKey().windowedBy(sessions())
      grouped
        .aggregate(
          (): string[] => [],
          (_key, value, list) => [...list, value],
          (_key, one, two) => [...one, ...two],
          { value: serdes.json<string[]>(), store: 'lists' },
        )
        .toStream()
        .to('lists-out')
      grouped
        .reduce((one, two) => `${one}+${two}`, { store: 'joined' })
        .toStream()
        .to('joined-out')
    })
    await withDriver(topology, { backend }, async (driver) => {
      const input = driver.createInputTopic('events', serdes.string(), serdes.string())
      const lists = driver.createOutputTopic('lists-out', serdes.windowed(serdes.string()), serdes.nullable(serdes.json<string[]>()))
      const joined = driver.createOutputTopic('joined-out', serdes.windowed(serdes.string()), serdes.nullable(serdes.string()))
      await input.pipeInput('k', 'v1', 0)
      await input.pipeInput('k', 'v3', 14_000)
      await input.pipeInput('k', 'v2', 7_000)
      expect(lists.readKeyValuesToList()).toEqual([
        { key: session('k', 0, 0), value: ['v1'] },
        { key: session('k', 14_000, 14_000), value: ['v3'] },
        { key: session('k', 0, 0), value: null },
        { key: session('k', 14_000, 14_000), value: null },
        { key: session('k', 0, 14_000), value: ['v1', 'v3', 'v2'] },
      ])
      expect(joined.readKeyValuesToList().at(-1)).toEqual({ key: session('k', 0, 14_000), value: 'v1+v3+v2' })
      expect(await collect(driver.getSessionStore<string, string>('joined').fetch('k'))).toEqual([{ key: session('k', 0, 14_000), value: 'v1+v3+v2' }])
    })
  })

  test('with an update cache, a session updated many times between commits is forwarded once', async () => {
    await withDriver(sessionCount(sessions()), { backend, updateCacheMaxEntries: 100 }, async (driver) => {
      const { read, pipe } = io(driver)
      await pipe('a', 1_000)
      await pipe('a', 2_000)
      await pipe('a', 2_000)
      await pipe('a', 1_500)
      expect(read()).toEqual([])
      await driver.commit()
      expect(read()).toEqual([tombstone('a', 1_000, 1_000), update('a', 1_000, 2_000, 4)])
    })
  })

  test('random records in random order: the sessions are the runs of records at most the gap apart, and the table says the same', async () => {
    const random = prng(14)
    await withDriver(sessionCount(sessions(10_000_000)), { backend }, async (driver) => {
      const { output, store, pipe } = io(driver)
      const times: number[] = []
      for (let i = 0; i < 150; i++) {
        times.push(Math.floor(random() * 40 * GAP))
        await pipe('a', times[i])
      }
      const sorted = [...times].sort((x, y) => x - y)
      const expected: string[] = []
      let [start, end, count] = [sorted[0], sorted[0], 0]
      for (const t of sorted) {
        if (t - end > GAP) {
          expected.push(`${start}-${end}=${count}`)
          ;[start, count] = [t, 0]
        }
        end = t
        count++
      }
      expected.push(`${start}-${end}=${count}`)
      expect((await collect(store.fetch('a'))).map(({ key, value }) => `${key.window.start}-${key.window.end}=${value}`)).toEqual(expected)
      // Tombstones delete the merged-away sessions: the table holds exactly the store's sessions.
      const table = output.readKeyValuesToMap((key) => `${key.window.start}-${key.window.end}`)
      expect([...table].flatMap(([id, value]) => (value === null ? [] : [`${id}=${value}`])).sort()).toEqual([...expected].sort())
    })
  })

  test('sessions are restored from the changelog and go on growing', async () => {
    let changelog: readonly { key: Buffer | null; value: Buffer | null }[] = []
    await withDriver(sessionCount(sessions()), { backend }, async (driver) => {
      const { pipe } = io(driver)
      await pipe('a', 0)
      await pipe('a', 5_000)
      await pipe('b', 9_000)
      await driver.commit()
      changelog = driver.topicContents('sessions-sessions-changelog')
    })
    expect(changelog.length).toBeGreaterThan(0)
    await withDriver(sessionCount(sessions()), { backend, restoreChangelogs: { 'sessions-sessions-changelog': changelog } }, async (driver) => {
      const { store, read, pipe } = io(driver)
      expect(await collect(store.all())).toHaveLength(2)
      await pipe('a', 8_000)
      expect(read()).toEqual([tombstone('a', 0, 5_000), update('a', 0, 8_000, 3)])
      expect(store.fetchSession('b', 9_000, 9_000)).toBe(1)
    })
  })
})

describe('SessionWindows', () => {
  test('gaps and grace periods in milliseconds or as text; the store keeps gap + grace', () => {
    const windows = SessionWindows.ofInactivityGapAndGrace('5m', '30s')
    expect([windows.inactivityGapMs, windows.graceMs, windows.retentionMs]).toEqual([300_000, 30_000, 330_000])
    expect(SessionWindows.ofInactivityGapWithNoGrace(1_000).graceMs).toBe(0)
    expect(() => SessionWindows.ofInactivityGapWithNoGrace(0)).toThrow('A session inactivity gap must be positive')
  })

  test('describe shows the session store with its retention and changelog', () => {
    const text = sessionCount(sessions()).describe()
    expect(text).toContain('sessions (session, retention 15000 ms, changelog: sessions-sessions-changelog)')
    expect(text).toMatch(/Processor: session-count-\d+ \(stores: \[sessions\]\)/)
    expect(sessionCount(sessions()).toDot()).toContain('[label="sessions (session)"')
    expect(sessionCount(sessions()).toMermaid()).toContain('sessions (session)')
  })
})
