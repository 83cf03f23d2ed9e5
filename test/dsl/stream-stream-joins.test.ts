import { describe, expect, test } from 'vitest'
import { defineTopology, JoinWindows, serdes, TopologyError, type BackendKind, type JoinSide, type KStream, type Record, type Topology } from 'sluice'
import { TopologyTestDriver, type TestInputTopic, type TestOutputTopic } from 'sluice/testing'
import { BACKENDS, withDriver } from '../helpers/driver.js'

const S = serdes.string()
const J = serdes.json<string | null>()

type Kind = 'join' | 'leftJoin' | 'outerJoin'

/** left and right joined into 'out' as "l+r" (a missing side shows as "-"). */
function joinTopology(kind: Kind, windows: JoinWindows, extra: { onLateRecord?: (record: Record<string, string>, side: JoinSide) => void; applicationId?: string } = {}): Topology {
  return defineTopology({ applicationId: extra.applicationId ?? 'ssj' }, (b) => {
    const left = b.stream('left', { key: S, value: S })
    const right = b.stream('right', { key: S, value: S })
    const joiner = (l: string | undefined, r: string | undefined) => `${l ?? '-'}+${r ?? '-'}`
    const joined: KStream<string, string> =
      kind === 'join'
        ? left.join(right, joiner, windows, { onLateRecord: extra.onLateRecord })
        : kind === 'leftJoin'
          ? left.leftJoin(right, joiner, windows, { onLateRecord: extra.onLateRecord })
          : left.outerJoin(right, joiner, windows, { onLateRecord: extra.onLateRecord })
    joined.to('out', { value: S })
  })
}

interface Io {
  driver: TopologyTestDriver
  left: TestInputTopic<string, string>
  right: TestInputTopic<string, string>
  out: TestOutputTopic<string, string>
}

/** [key, value, timestamp] of every record in 'out' not read yet. */
function read(io: Io): [string, string, number][] {
  return io.out.readRecordsToList().map((record) => [record.key, record.value, record.timestamp])
}

async function withJoin(topology: Topology, backend: BackendKind, body: (io: Io) => Promise<void>): Promise<void> {
  await withDriver(topology, { backend }, async (driver) => {
    await body({ driver, left: driver.createInputTopic('left', S, S), right: driver.createInputTopic('right', S, S), out: driver.createOutputTopic('out', S, S) })
  })
}

describe.each(BACKENDS)('stream-stream joins on %s', (backend) => {
  const tenMs = JoinWindows.ofTimeDifferenceAndGrace(10, 5)

  test('inner join within the window, in both orders of arrival; the result has the later timestamp', async () => {
    await withJoin(joinTopology('join', tenMs), backend, async (io) => {
      await io.left.pipeInput('k', 'A', 100)
      expect(read(io)).toEqual([])
      await io.right.pipeInput('k', 'a', 105)
      expect(read(io)).toEqual([['k', 'A+a', 105]])
      await io.right.pipeInput('k', 'b', 200)
      await io.left.pipeInput('k', 'B', 203)
      expect(read(io)).toEqual([['k', 'B+b', 203]])
      // Every pair within the window joins, once.
      await io.left.pipeInput('k', 'C', 205)
      expect(read(io)).toEqual([['k', 'C+b', 205]])
      await io.right.pipeInput('k', 'c', 206)
      expect(read(io)).toEqual([
        ['k', 'B+c', 206],
        ['k', 'C+c', 206],
      ])
    })
  })

  test('the window is inclusive at both ends; a record one millisecond further does not join; keys never mix', async () => {
    await withJoin(joinTopology('join', tenMs), backend, async (io) => {
      await io.left.pipeInput('k', 'A', 100)
      await io.right.pipeInput('k', 'edge-after', 110)
      await io.right.pipeInput('k', 'too-late', 111)
      await io.right.pipeInput('other', 'x', 110)
      expect(read(io)).toEqual([['k', 'A+edge-after', 110]])
      await io.left.pipeInput('k', 'B', 121)
      expect(read(io)).toEqual([['k', 'B+too-late', 121]])
      await io.left.pipeInput('k', 'C', 122)
      expect(read(io)).toEqual([])
    })
  })

  test('records of one key and timestamp are all kept and all join', async () => {
    await withJoin(joinTopology('join', tenMs), backend, async (io) => {
      await io.left.pipeRecords([
        { key: 'k', value: 'A1', timestamp: 100 },
        { key: 'k', value: 'A2', timestamp: 100 },
      ])
      await io.right.pipeInput('k', 'a', 100)
      expect(read(io)).toEqual([
        ['k', 'A1+a', 100],
        ['k', 'A2+a', 100],
      ])
    })
  })

  test('before and after make the window asymmetric, mirrored for the other stream', async () => {
    // The other stream's records may be up to 10 ms later than this stream's, never earlier.
    const onlyLater = JoinWindows.ofTimeDifferenceWithNoGrace(10).before(0)
    expect([onlyLater.beforeMs, onlyLater.afterMs, onlyLater.graceMs]).toEqual([0, 10, 0])
    await withJoin(joinTopology('join', onlyLater), backend, async (io) => {
      await io.right.pipeInput('k', 'early', 95)
      await io.left.pipeInput('k', 'A', 100)
      expect(read(io)).toEqual([]) // 95 is before 100
      await io.right.pipeInput('k', 'later', 108)
      expect(read(io)).toEqual([['k', 'A+later', 108]])
      // Seen from the other stream: a record at 120 joins this stream's records in [110, 120].
      await io.left.pipeInput('k', 'B', 112)
      await io.right.pipeInput('k', 'r', 120)
      expect(read(io)).toEqual([['k', 'B+r', 120]])
    })
    const earlierOnly = JoinWindows.ofTimeDifferenceWithNoGrace(10).after('0ms')
    await withJoin(joinTopology('join', earlierOnly), backend, async (io) => {
      await io.right.pipeInput('k', 'early', 95)
      await io.left.pipeInput('k', 'A', 100)
      await io.right.pipeInput('k', 'later', 101)
      expect(read(io)).toEqual([['k', 'A+early', 100]])
    })
  })

  test('an out-of-order record within the grace period still joins', async () => {
    await withJoin(joinTopology('join', tenMs), backend, async (io) => {
      await io.left.pipeInput('k', 'A', 100)
      await io.right.pipeInput('other', 'x', 124) // stream time 124
      // Seen from the right stream, the window of a record at 105 ends at 105 + before (10) = 115
      // and closes after 115 + grace (5) = 120 < 124: late.
      await io.right.pipeInput('k', 'late', 105)
      expect(read(io)).toEqual([])
      expect(io.driver.metrics().lateRecordsDropped).toBe(1)
      await io.left.pipeInput('k', 'B', 120) // in time: 120 + 10 + 5 >= 124
      await io.right.pipeInput('k', 'in-grace', 112) // 112 + 10 + 5 = 127 >= 124
      expect(read(io)).toEqual([['k', 'B+in-grace', 120]])
      expect(io.driver.metrics().lateRecordsDropped).toBe(1)
    })
  })

  test('records late beyond the grace period are dropped, counted and handed to onLateRecord', async () => {
    const late: [string, string, number, JoinSide][] = []
    const topology = joinTopology('leftJoin', tenMs, { onLateRecord: (record, side) => late.push([record.key, record.value, record.timestamp, side]) })
    await withJoin(topology, backend, async (io) => {
      await io.left.pipeInput('k', 'A', 100)
      await io.right.pipeInput('k', 'a', 100)
      await io.left.pipeInput('j', 'J', 130) // stream time 130
      expect(read(io)).toEqual([['k', 'A+a', 100]])
      // Window end + grace: 114 + 10 + 5 = 129 < 130 on either side.
      await io.left.pipeInput('k', 'too-late', 114)
      await io.right.pipeInput('k', 'too-late', 114)
      // 115 + 10 + 5 = 130: still in time; joins nothing yet.
      await io.left.pipeInput('k', 'just-in-time', 115)
      expect(io.driver.metrics().lateRecordsDropped).toBe(2)
      expect(late).toEqual([
        ['k', 'too-late', 114, 'this'],
        ['k', 'too-late', 114, 'other'],
      ])
      // A late record leaves nothing behind: no left-join result for it, ever.
      await io.left.pipeInput('j', 'far', 1000)
      expect(read(io)).toEqual([
        ['k', 'just-in-time+-', 115],
        ['j', 'J+-', 130],
      ])
    })
  })

  test('a left join emits an unmatched record only once its window has closed, and never if a match comes in time', async () => {
    await withJoin(joinTopology('leftJoin', tenMs), backend, async (io) => {
      await io.left.pipeInput('k', 'A', 100)
      // Its window closes when stream time passes 100 + after (10) + grace (5) = 115.
      await io.right.pipeInput('other', 'x', 115)
      expect(read(io)).toEqual([])
      await io.right.pipeInput('other', 'y', 116)
      expect(read(io)).toEqual([['k', 'A+-', 100]])
      // A match within the window: joined once, never emitted unmatched.
      await io.left.pipeInput('m', 'B', 200)
      await io.right.pipeInput('m', 'b', 207)
      expect(read(io)).toEqual([['m', 'B+b', 207]])
      // C's window [290, 310] has ended at stream time 313, but not closed (310 + 5): a match
      // arriving out of order within the grace period still joins.
      await io.left.pipeInput('n', 'C', 300)
      await io.left.pipeInput('other', 'z', 313)
      await io.right.pipeInput('n', 'c', 308)
      expect(read(io)).toEqual([['n', 'C+c', 308]])
      await io.left.pipeInput('other', 'far', 1000)
      // Only the unmatched ones, each once, in timestamp order; the right side's are never emitted in a left join.
      expect(read(io)).toEqual([
        ['other', 'z+-', 313],
      ])
    })
  })

  test('an outer join emits unmatched records of both sides at their windows’ close', async () => {
    const asymmetric = JoinWindows.ofTimeDifferenceAndGrace(10, 0).before(20) // this side looks 20 back, 10 ahead
    await withJoin(joinTopology('outerJoin', asymmetric), backend, async (io) => {
      await io.left.pipeInput('k', 'A', 100) // closes after 100 + after (10) = 110
      await io.right.pipeInput('k', 'r', 150) // other side: look-ahead is before (20): closes after 170
      expect(read(io)).toEqual([['k', 'A+-', 100]])
      await io.left.pipeInput('other', 'x', 170)
      expect(read(io)).toEqual([])
      await io.left.pipeInput('other', 'y', 171)
      expect(read(io)).toEqual([['k', '-+r', 150]])
      // Matched pairs are not emitted unmatched; x and y are unmatched too.
      await io.left.pipeInput('m', 'B', 300)
      await io.right.pipeInput('m', 'b', 290)
      await io.right.pipeInput('m', 'c', 500)
      expect(read(io)).toEqual([
        ['other', 'x+-', 170],
        ['other', 'y+-', 171],
        ['m', 'B+b', 300],
      ])
      await io.left.pipeInput('end', 'e', 521)
      expect(read(io)).toEqual([['m', '-+c', 500]])
    })
  })

  test('describe() shows the join nodes and their stores; all are changelogged', () => {
    const topology = joinTopology('outerJoin', tenMs)
    expect(topology.subtopologies).toHaveLength(1)
    const described = topology.describe()
    const stores = 'stores: [left-outer-join-right-this, left-outer-join-right-other, left-outer-join-right-unmatched]'
    expect(described).toContain(`Processor: outer-join-this-3 (${stores})`)
    expect(described).toContain(`Processor: outer-join-other-4 (${stores})`)
    expect(described).toContain('Processor: outer-join-5 (stores: [])\n      --> sink-6\n      <-- outer-join-this-3, outer-join-other-4')
    // A record is kept until no record that could join it is still accepted: before + after + grace.
    expect(described).toContain('left-outer-join-right-this (window, window 21 ms, retention 26 ms, changelog: ssj-left-outer-join-right-this-changelog)')
    expect(described).toContain('left-outer-join-right-other (window, window 21 ms, retention 26 ms, changelog: ssj-left-outer-join-right-other-changelog)')
    expect(described).toContain('left-outer-join-right-unmatched (keyValue, changelog: ssj-left-outer-join-right-unmatched-changelog)')
    expect(topology.internalTopics).toEqual([
      { name: 'ssj-left-outer-join-right-this-changelog', kind: 'changelog', store: 'left-outer-join-right-this', windowed: true },
      { name: 'ssj-left-outer-join-right-other-changelog', kind: 'changelog', store: 'left-outer-join-right-other', windowed: true },
      { name: 'ssj-left-outer-join-right-unmatched-changelog', kind: 'changelog', store: 'left-outer-join-right-unmatched', windowed: false },
    ])
    // An inner join has no unmatched records to keep.
    expect(joinTopology('join', tenMs).internalTopics.map((topic) => topic.store)).toEqual(['left-join-right-this', 'left-join-right-other'])
  })

  test('names given to the join name its nodes and stores', () => {
    const topology = defineTopology({ applicationId: 'ssj' }, (b) => {
      const left = b.stream('left', { key: S, value: S })
      const right = b.stream('right', { key: S, value: S })
      left.join(right, (l, r) => l + r, tenMs, { name: 'pair', store: 'pairs' }).to('out', { value: S })
    })
    const described = topology.describe()
    expect(described).toContain('Processor: pair-this (stores: [pairs-this, pairs-other])')
    expect(described).toContain('Processor: pair-other (stores: [pairs-this, pairs-other])')
    expect(described).toContain('pairs-this (window, window 21 ms, retention 26 ms, changelog: ssj-pairs-this-changelog)')
    expect(described).toContain('Processor: pair (stores: [])')
  })

  test('a restarted task restores the join stores from their changelogs: windows and unmatched records survive', async () => {
    const topology = joinTopology('leftJoin', tenMs)
    const changelogs: { [topic: string]: { key: Buffer | null; value: Buffer | null }[] } = {}
    await withJoin(topology, backend, async (io) => {
      await io.left.pipeInput('gone', 'G', 50)
      await io.left.pipeInput('k', 'A', 100) // G is emitted unmatched before the restart (50 + 15 < 100)
      expect(read(io)).toEqual([['gone', 'G+-', 50]])
      await io.left.pipeInput('u', 'U', 101)
      await io.left.pipeInput('x', 'X', 104)
      await io.right.pipeInput('r', 'R', 104)
      expect(read(io)).toEqual([])
      await io.driver.commit()
      for (const topic of topology.internalTopics) changelogs[topic.name] = io.driver.topicContents(topic.name).map((record) => ({ key: record.key, value: record.value }))
    })
    expect(Object.keys(changelogs)).toEqual(['ssj-left-left-join-right-this-changelog', 'ssj-left-left-join-right-other-changelog', 'ssj-left-left-join-right-unmatched-changelog'])
    for (const records of Object.values(changelogs)) expect(records.length).toBeGreaterThan(0)
    await withDriver(topology, { backend, restoreChangelogs: changelogs }, async (driver) => {
      const io: Io = { driver, left: driver.createInputTopic('left', S, S), right: driver.createInputTopic('right', S, S), out: driver.createOutputTopic('out', S, S) }
      // A (restored) joins a record of the other side; stream time was restored too (104): 'late' at 88 is late.
      await io.right.pipeInput('k', 'a', 105)
      await io.right.pipeInput('k', 'late', 88)
      expect(read(io)).toEqual([['k', 'A+a', 105]])
      expect(driver.metrics().lateRecordsDropped).toBe(1)
      // The unmatched ones come out once their windows close; G, emitted before the restart, does not come again.
      await io.right.pipeInput('r', 'R2', 200)
      expect(read(io)).toEqual([
        ['u', 'U+-', 101],
        ['x', 'X+-', 104],
      ])
    })
  })

  test('a side whose key changed upstream is repartitioned before the join', async () => {
    const topology = defineTopology({ applicationId: 'ssj' }, (b) => {
      const left = b.stream('left', { key: S, value: S }).selectKey((_key, value) => value.split(':')[0])
      const right = b.stream('right', { key: S, value: S })
      left.join(right, (l, r) => `${l}+${r}`, tenMs).to('out', { value: S })
    })
    expect(topology.internalTopics.map((topic) => topic.name)).toEqual(['ssj-left-join-this-repartition', 'ssj-left-join-right-this-changelog', 'ssj-left-join-right-other-changelog'])
    expect(topology.subtopologies).toHaveLength(2)
    expect(topology.describe()).toContain('(topics: [ssj-left-join-this-repartition])')
    await withJoin(topology, backend, async (io) => {
      await io.right.pipeInput('u1', 'r', 100)
      await io.left.pipeInput('whatever', 'u1:l', 101)
      expect(read(io)).toEqual([['u1', 'u1:l+r', 101]])
    })
  })

  test('a self-join sees each record from both sides, as in Kafka Streams', async () => {
    const topology = defineTopology({ applicationId: 'ssj' }, (b) => {
      const s = b.stream('left', { key: S, value: S })
      s.join(s, (l, r) => `${l}+${r}`, tenMs).to('out', { value: S })
    })
    await withDriver(topology, { backend }, async (driver) => {
      const input = driver.createInputTopic('left', S, S)
      const out = driver.createOutputTopic('out', S, S)
      await input.pipeInput('k', 'A', 100)
      expect(out.readRecordsToList().map((record) => record.value)).toEqual(['A+A'])
      await input.pipeInput('k', 'B', 101)
      expect(out.readRecordsToList().map((record) => record.value)).toEqual(['B+A', 'A+B', 'B+B'])
    })
  })

  test('records with a null value are ignored', async () => {
    const topology = defineTopology({ applicationId: 'ssj' }, (b) => {
      const left = b.stream('left', { key: S, value: J })
      const right = b.stream('right', { key: S, value: J })
      left.outerJoin(right, (l, r) => `${l ?? '-'}+${r ?? '-'}`, tenMs).to('out', { value: S })
    })
    await withDriver(topology, { backend }, async (driver) => {
      await driver.createInputTopic('left', S, J).pipeInput('k', null, 100)
      await driver.createInputTopic('right', S, J).pipeInput('k', 'a', 101)
      await driver.createInputTopic('right', S, J).pipeInput('z', 'z', 500)
      expect(driver.createOutputTopic('out', S, S).readRecordsToList().map((record) => record.value)).toEqual(['-+a'])
    })
  })
})

describe('JoinWindows', () => {
  test('differences, grace periods and bounds in milliseconds or as text', () => {
    const windows = JoinWindows.ofTimeDifferenceAndGrace('1m', '10s')
    expect([windows.beforeMs, windows.afterMs, windows.graceMs, windows.sizeMs, windows.retentionMs]).toEqual([60_000, 60_000, 10_000, 120_000, 130_001])
    expect(JoinWindows.ofTimeDifferenceWithNoGrace('5s').graceMs).toBe(0)
    const shifted = JoinWindows.ofTimeDifferenceWithNoGrace(10).before(-5)
    expect([shifted.beforeMs, shifted.afterMs, shifted.sizeMs]).toEqual([-5, 10, 5])
    expect(JoinWindows.ofTimeDifferenceWithNoGrace(10).after('-5ms').afterMs).toBe(-5)
    expect(String(windows)).toBe('join window before 60000 ms, after 60000 ms, grace 10000 ms')
  })

  test('an inverse window and invalid durations throw', () => {
    expect(() => JoinWindows.ofTimeDifferenceWithNoGrace(10).before(-11)).toThrow(/inverse/)
    expect(() => JoinWindows.ofTimeDifferenceWithNoGrace(-1)).toThrow()
    expect(() => JoinWindows.ofTimeDifferenceAndGrace(1, '1x' as '1s')).toThrow()
  })

  test('a join without serdes for its stores fails when the topology is defined', () => {
    expect(() =>
      defineTopology({ applicationId: 'ssj' }, (b) => {
        const left = b.stream('left', { key: S, value: S }).map((key, value) => [key, value.length] as const)
        const right = b.stream('right', { key: S, value: S })
        left.join(right, (l, r) => `${l}${r}`, JoinWindows.ofTimeDifferenceWithNoGrace(1))
      }),
    ).toThrow(TopologyError)
  })
})
