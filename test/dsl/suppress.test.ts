import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { defineTopology, serdes, SessionWindows, Suppressed, TimeWindows, TopologyError, type BufferConfig, type Windowed } from 'sluice'
import { TopologyTestDriver } from 'sluice/testing'
import { BACKENDS, withDriver } from '../helpers/driver.js'

const MINUTE = 60_000
const GRACE = 10_000

/** Counts per key in one-minute windows, suppressed until each window closes, to "final-counts". */
function finalCounts(buffer: BufferConfig = {}) {
  return defineTopology({ applicationId: 'suppressed' }, (b) => {
    b.stream('events', { key: serdes.string(), value: serdes.string() })
      .groupByKey()
      .windowedBy(TimeWindows.ofSize('1m').grace(GRACE))
      .count({ store: 'counts' })
      .suppress(Suppressed.untilWindowCloses(buffer))
      .toStream()
      .to('final-counts', { key: serdes.windowed(serdes.string()), value: serdes.long() })
  })
}

function io(driver: TopologyTestDriver) {
  const input = driver.createInputTopic('events', serdes.string(), serdes.string())
  const output = driver.createOutputTopic('final-counts', serdes.windowed(serdes.string()), serdes.long())
  return {
    pipe: (key: string, timestamp: number) => input.pipeInput(key, key, timestamp),
    read: () => output.readRecordsToList().map((record) => ({ key: record.key, value: record.value })),
  }
}

const result = (key: string, start: number, value: number): { key: Windowed<string>; value: number } => ({ key: { key, window: { start, end: start + MINUTE } }, value })

describe.each(BACKENDS)('suppress on %s', (backend) => {
  test('untilWindowCloses: one final count per window, forwarded once stream time reaches its end + grace, none before', async () => {
    await withDriver(finalCounts(), { backend, updateCacheMaxEntries: 0 }, async (driver) => {
      const { pipe, read } = io(driver)
      await pipe('a', 1_000)
      await pipe('a', 2_000)
      await pipe('b', 30_000)
      await pipe('a', 59_999)
      await pipe('a', 65_000) // next window
      expect(read()).toEqual([])
      await pipe('b', MINUTE + GRACE - 1) // stream time one short of the first window's close
      expect(read()).toEqual([])
      await pipe('a', MINUTE + GRACE - 500) // within grace: still counted in the first window? no, in the second
      await pipe('c', 8_000) // late for nothing yet: the first window is still open
      await pipe('c', MINUTE + GRACE) // closes [0, 60000)
      expect(read()).toEqual([result('a', 0, 3), result('b', 0, 1), result('c', 0, 1)])
      await pipe('z', 2 * MINUTE + GRACE) // closes [60000, 120000)
      expect(read()).toEqual([result('a', MINUTE, 2), result('b', MINUTE, 1), result('c', MINUTE, 1)])
      expect(read()).toEqual([])
    })
  })

  test('untilTimeLimit: a key forwards its latest value once the limit has passed since its first held update', async () => {
    const topology = defineTopology({ applicationId: 'rate-limited' }, (b) => {
      b.table('profiles', { key: serdes.string(), value: serdes.string(), store: 'profiles' })
        .suppress(Suppressed.untilTimeLimit('10s'))
        .toStream()
        .to('profiles-limited', { key: serdes.string(), value: serdes.json<string>() })
    })
    await withDriver(topology, { backend }, async (driver) => {
      const input = driver.createInputTopic('profiles', serdes.string(), serdes.string())
      const output = driver.createOutputTopic('profiles-limited', serdes.string(), serdes.nullable(serdes.json<string>()))
      const read = () => output.readRecordsToList().map((record) => [record.key, record.value, record.timestamp])
      await input.pipeInput('u1', 'v1', 1_000)
      await input.pipeInput('u1', 'v2', 5_000)
      await input.pipeInput('u2', 'w1', 6_000)
      expect(read()).toEqual([])
      await input.pipeInput('u1', 'v3', 11_000) // 10 s after u1's first held update: forwards its latest
      expect(read()).toEqual([['u1', 'v3', 11_000]])
      await input.pipeInput('u3', 'x1', 16_000) // u2's limit passes
      expect(read()).toEqual([['u2', 'w1', 6_000]])
      await input.pipeRaw([{ key: Buffer.from('u1'), value: null, timestamp: 17_000 }]) // a delete (a tombstone) is held back too
      await input.pipeInput('u3', 'x2', 27_000)
      expect(read()).toEqual([['u3', 'x2', 27_000], ['u1', null, 17_000]])
    })
  })

  test('the buffer survives a restart: what was held back before is forwarded after', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'sluice-suppress-'))
    try {
      await withDriver(finalCounts(), { backend, stateDir, updateCacheMaxEntries: 0 }, async (driver) => {
        const { pipe, read } = io(driver)
        await pipe('a', 1_000)
        await pipe('a', 2_000)
        expect(read()).toEqual([])
      })
      await withDriver(finalCounts(), { backend, stateDir, updateCacheMaxEntries: 0 }, async (driver) => {
        const { pipe, read } = io(driver)
        await pipe('b', 3_000)
        await pipe('z', MINUTE + GRACE)
        expect(read()).toEqual(backend === 'memory' ? [result('b', 0, 1)] : [result('a', 0, 2), result('b', 0, 1)])
      })
    } finally {
      await rm(stateDir, { recursive: true, force: true })
    }
  })
})

describe('suppression buffer bounds', () => {
  test('a full buffer that emits early forwards its oldest entries; one that shuts down stops the task naming the store', async () => {
    await withDriver(finalCounts({ maxRecords: 2, whenFull: 'emit-early' }), { updateCacheMaxEntries: 0 }, async (driver) => {
      const { pipe, read } = io(driver)
      await pipe('a', 1_000)
      await pipe('b', 2_000)
      expect(read()).toEqual([])
      await pipe('c', 3_000) // a third key: the oldest held window goes early
      expect(read()).toEqual([result('a', 0, 1)])
    })
    await withDriver(finalCounts({ maxRecords: 2 }), { updateCacheMaxEntries: 0 }, async (driver) => {
      const { pipe } = io(driver)
      await pipe('a', 1_000)
      await pipe('b', 2_000)
      await expect(pipe('c', 3_000)).rejects.toThrow(/suppression buffer .* is full \(3 keys/)
    })
  })

  test('untilWindowCloses refuses a table without windows; bounds must be whole and positive', () => {
    expect(() =>
      defineTopology({ applicationId: 'not-windowed' }, (b) => {
        b.table('profiles', { key: serdes.string(), value: serdes.string() }).suppress(Suppressed.untilWindowCloses())
      }),
    ).toThrow(TopologyError)
    expect(() => Suppressed.untilWindowCloses({ maxRecords: 0 })).toThrow(/maxRecords/)
    expect(() => Suppressed.untilTimeLimit('10s', { maxBytes: 1.5 })).toThrow(/maxBytes/)
  })

  test('session windows: a session is final once stream time is past its end + gap + grace', async () => {
    const topology = defineTopology({ applicationId: 'final-sessions' }, (b) => {
      b.stream('events', { key: serdes.string(), value: serdes.string() })
        .groupByKey()
        .windowedBy(SessionWindows.ofInactivityGapAndGrace('10s', '5s'))
        .count({ store: 'sessions' })
        .suppress(Suppressed.untilWindowCloses())
        .toStream()
        .to('final-sessions', { key: serdes.windowed(serdes.string()), value: serdes.nullable(serdes.long()) })
    })
    await withDriver(topology, { updateCacheMaxEntries: 0 }, async (driver) => {
      const input = driver.createInputTopic('events', serdes.string(), serdes.string())
      const output = driver.createOutputTopic('final-sessions', serdes.windowed(serdes.string()), serdes.nullable(serdes.long()))
      const read = () => output.readRecordsToList().map((record) => ({ key: record.key, value: record.value }))
      await input.pipeInput('a', 'a', 1_000)
      await input.pipeInput('a', 'a', 8_000) // merges: [1000, 8000] with 2
      await input.pipeInput('x', 'x', 23_000) // 8000 + 10000 + 5000: not past yet
      expect(read().filter((entry) => entry.key.key === 'a' && entry.value !== null)).toEqual([])
      await input.pipeInput('x', 'x', 23_001)
      expect(read().filter((entry) => entry.key.key === 'a')).toEqual([{ key: { key: 'a', window: { start: 1_000, end: 8_000 } }, value: 2 }])
    })
  })
})
