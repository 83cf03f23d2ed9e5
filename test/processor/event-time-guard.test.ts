import { describe, expect, test } from 'vitest'
import { DEAD_LETTER_HEADERS, defineTopology, serdes, TimeWindows, type Record } from 'sluice'
import type { TestDriverOptions, TopologyTestDriver } from 'sluice/testing'
import { categoryCounts } from '../../topologies/category-counts.js'
import type { Transaction } from '../../topologies/schemas.js'
import { transaction } from '../../topologies/schemas.js'
import { windowAggregateProcessor } from '../../src/dsl/processors/window-aggregate.js'
import { BACKENDS, collect, withDriver } from '../helpers/driver.js'

const MINUTE = 60_000
const DLQ = 'dead-letters'
/** 2024-01-01T00:00:00Z in unix seconds: well behind the wall clock. */
const T0 = 1_704_067_200

function tx(id: number, unixTime: number, category = 'travel'): Transaction {
  return {
    trans_date_trans_time: new Date(unixTime * 1000).toISOString().slice(0, 19).replace('T', ' '),
    cc_num: '4000000000000001',
    merchant: 'm',
    category,
    amt: 1,
    first: 'A',
    last: 'B',
    gender: 'F',
    street: 's',
    city: 'c',
    state: 'NY',
    zip: '10001',
    lat: 0,
    long: 0,
    city_pop: 1,
    job: 'j',
    dob: '1990-01-01',
    trans_num: `t${id}`,
    unix_time: unixTime,
    merch_lat: 0,
    merch_long: 0,
    is_fraud: 0,
  }
}

/** Where every input record went: counted in a window, dead-lettered (with its reason), or dropped late. */
async function outcome(driver: TopologyTestDriver) {
  const windows = await collect(driver.getWindowStore<string, number>('counts-per-category').all())
  return {
    counted: windows.reduce((sum, { value }) => sum + value, 0),
    windows: windows.map(({ key, value }) => [key.key, key.window.start, value]),
    deadLetters: driver.topicContents(DLQ).map((record) => [record.key?.toString(), record.headers[DEAD_LETTER_HEADERS.reason]?.toString()]),
    late: driver.metrics().lateRecordsDropped,
  }
}

async function runCategoryCounts(options: TestDriverOptions, records: readonly { key: string; value: Transaction | Buffer }[]) {
  return withDriver(categoryCounts({ grace: '10s' }), { deadLetterTopic: DLQ, ...options }, async (driver) => {
    const raw = records.map(({ key, value }) => ({ key: Buffer.from(key), value: Buffer.isBuffer(value) ? value : transaction.serialize('transactions', value) }))
    // One record per batch, as records arrive one at a time in a live stream.
    for (const record of raw) await driver.createInputTopic('transactions', serdes.string(), transaction).pipeRaw([record])
    return outcome(driver)
  })
}

describe.each(BACKENDS)('event time that cannot be used moves no stream time (%s)', (backend) => {
  test('a timestamp far ahead of the wall clock (unix_time 1e12) goes to the dead letters with its reason; windows stay, later records count', async () => {
    const result = await runCategoryCounts({ backend }, [
      { key: 'a', value: tx(1, T0) },
      { key: 'b', value: tx(2, T0 + 30) },
      { key: 'garbage', value: tx(3, 1e12) },
      { key: 'c', value: tx(4, T0 + 45) },
      { key: 'd', value: tx(5, T0 + 61) },
    ])
    expect(result.deadLetters).toEqual([['garbage', 'timestamp-too-far-ahead']])
    expect(result.late).toBe(0)
    expect(result.windows).toEqual([
      ['travel', T0 * 1000, 3],
      ['travel', T0 * 1000 + MINUTE, 1],
    ])
    // input = counted + dead-lettered + late
    expect(result.counted + result.deadLetters.length + result.late).toBe(5)
  })

  test('the dead-letter message says why; without a dead-letter topic the record fails with its position', async () => {
    await withDriver(categoryCounts(), { backend, deadLetterTopic: DLQ }, async (driver) => {
      await driver.createInputTopic('transactions', serdes.string(), transaction).pipeInput('k', tx(1, 1e12))
      expect(String(driver.topicContents(DLQ)[0].headers[DEAD_LETTER_HEADERS.error])).toMatch(
        /offset 0: invalid timestamp 1000000000000000 \(\+033658-.*\): later than .*, the wall clock plus maxFutureTimestampSkewMs/,
      )
    })
    await withDriver(categoryCounts(), { backend }, async (driver) => {
      await expect(driver.createInputTopic('transactions', serdes.string(), transaction).pipeInput('k', tx(1, 1e12))).rejects.toThrow(
        /topic transactions, partition 0, offset 0: invalid timestamp 1000000000000000/,
      )
      expect(await collect(driver.getWindowStore('counts-per-category').all())).toEqual([])
    })
  })

  test('negative and non-finite timestamps go to the dead letters and move nothing', async () => {
    // The transaction serde refuses such a unix_time when it reads the record (topologies/transaction-check.ts).
    const result = await runCategoryCounts({ backend }, [
      { key: 'a', value: tx(1, T0 + 65) },
      { key: 'negative', value: tx(2, -5) },
      { key: 'not-finite', value: Buffer.from(JSON.stringify(tx(3, T0)).replace(`"unix_time":${T0}`, '"unix_time":1e400')) },
      { key: 'b', value: tx(4, T0 + 5) },
    ])
    expect(result.deadLetters).toEqual([
      ['negative', 'deserialization-value'],
      ['not-finite', 'deserialization-value'],
    ])
    expect(result.windows).toEqual([
      ['travel', T0 * 1000, 1],
      ['travel', T0 * 1000 + MINUTE, 1],
    ])
    expect(result.counted + result.deadLetters.length + result.late).toBe(4)

    // A serde that lets them through: the event-time check refuses them, with their own reasons.
    await withDriver(failingCount(), { backend, deadLetterTopic: DLQ }, async (driver) => {
      const input = driver.createInputTopic('events', serdes.string(), serdes.json<Event>())
      const start = T0 * 1000
      await input.pipeInput('x', { category: 'x', at: start + 65_000 })
      await input.pipeInput('x', { category: 'x', at: -5 })
      await input.pipeRaw([{ key: Buffer.from('x'), value: Buffer.from('{"category":"x","at":1e400}') }])
      await input.pipeInput('x', { category: 'x', at: start + 5_000 })
      expect(deadLetterReasons(driver)).toEqual([
        ['1', 'timestamp-negative'],
        ['2', 'timestamp-not-finite'],
      ])
      const windows = await collect(driver.getWindowStore<string, number>('counts').all())
      // Grace 0 and stream time still at the first record: the last one is late, not moved past.
      expect(windows.map(({ key, value }) => [key.key, key.window.start, value])).toEqual([['x', start + MINUTE, 1]])
      expect(1 + deadLetterReasons(driver).length + driver.metrics().lateRecordsDropped).toBe(4)
    })
  })

  test('with the check off (0 or Infinity), a replay of future-dated records goes through', async () => {
    const future = Math.floor(Date.now() / 1000) + 365 * 86_400
    for (const maxFutureTimestampSkewMs of [0, Infinity]) {
      const result = await runCategoryCounts({ backend, maxFutureTimestampSkewMs }, [
        { key: 'a', value: tx(1, future) },
        { key: 'b', value: tx(2, future + 1) },
      ])
      expect(result.deadLetters).toEqual([])
      expect(result.counted).toBe(2)
    }
    // The default refuses the same records; a small skew refuses even an hour ahead.
    expect((await runCategoryCounts({ backend }, [{ key: 'a', value: tx(1, future) }])).deadLetters).toEqual([['a', 'timestamp-too-far-ahead']])
    const hourAhead = Math.floor(Date.now() / 1000) + 3600
    expect((await runCategoryCounts({ backend, maxFutureTimestampSkewMs: MINUTE }, [{ key: 'a', value: tx(1, hourAhead) }])).deadLetters).toEqual([['a', 'timestamp-too-far-ahead']])
    expect((await runCategoryCounts({ backend }, [{ key: 'a', value: tx(1, hourAhead) }])).counted).toBe(1)
  })
})

interface Event {
  category: string
  at: number
  fail?: boolean
}

/**
 * Events counted per key per minute in the task that reads them (no repartition); a mapper that
 * throws on `fail` makes a record fail after it decoded.
 */
function failingCount() {
  return defineTopology({ applicationId: 'failing-count' }, (b) => {
    b.stream('events', { key: serdes.string(), value: serdes.json<Event>(), timestamp: (event) => event.at })
      .mapValues((event) => {
        if (event.fail) throw new Error('cannot process this one')
        return event
      })
      .groupByKey()
      .windowedBy(TimeWindows.ofSize(MINUTE).grace(0))
      .count({ store: 'counts' })
  })
}

const deadLetterReasons = (driver: TopologyTestDriver) =>
  driver.topicContents(DLQ).map((record) => [record.headers[DEAD_LETTER_HEADERS.offset]?.toString(), record.headers[DEAD_LETTER_HEADERS.reason]?.toString()])

describe.each(BACKENDS)('a record that fails moves no stream time (%s)', (backend) => {
  test('dead-lettered records, undecodable or failing in a processor, leave stream time where it was', async () => {
    await withDriver(failingCount(), { backend, deadLetterTopic: DLQ }, async (driver) => {
      const input = driver.createInputTopic('events', serdes.string(), serdes.json<Event>())
      const start = T0 * 1000
      await input.pipeInput('x', { category: 'x', at: start })
      // Both an hour ahead: had they moved stream time, the next record would be late.
      await input.pipeInput('x', { category: 'x', at: start + 3_600_000, fail: true })
      await input.pipeRaw([{ key: Buffer.from('x'), value: Buffer.from(`{"category":"x","at":${start + 3_600_000}`) }])
      await input.pipeInput('x', { category: 'x', at: start + 30_000 })
      const windows = await collect(driver.getWindowStore<string, number>('counts').all())
      expect(deadLetterReasons(driver)).toEqual([
        ['1', 'processing'],
        ['2', 'deserialization-value'],
      ])
      expect(driver.metrics().lateRecordsDropped).toBe(0)
      expect(windows.map(({ key, value }) => [key.key, key.window.start, value])).toEqual([['x', start, 2]])
      // input = counted + dead-lettered + late
      expect(2 + deadLetterReasons(driver).length + driver.metrics().lateRecordsDropped).toBe(4)
    })
  })

  test('a processor that sets a garbage time (withTimestamp) does not reach the window store', async () => {
    // The window aggregate right behind the processor, in its task (a DSL groupByKey would repartition).
    const windows = TimeWindows.ofSize(MINUTE).grace(0)
    const topology = defineTopology({ applicationId: 'retimed' }, (b) => {
      b.stream('events', { key: serdes.string(), value: serdes.json<Event>(), timestamp: (event) => event.at }).process<string, Event>(
        () => {
          let forward: (record: Record<string, Event>) => void = () => undefined
          return {
            init: (context) => void (forward = (record) => context.forward(record)),
            process: (record) => forward(record.value.fail ? record.withTimestamp(1e15) : record),
          }
        },
        { name: 'retime' },
      )
      b.graph.addProcessor('count', windowAggregateProcessor<string, Event, number>({ storeName: 'counts', windows, update: (_k, _v, previous) => (previous ?? 0) + 1, emit: 'update' }), 'retime')
      b.graph.addStateStore({ name: 'counts', type: 'window', keySerde: serdes.string(), valueSerde: serdes.long(), logging: true, windowSizeMs: windows.sizeMs, retentionMs: windows.retentionMs }, 'count')
    })
    await withDriver(topology, { backend, deadLetterTopic: DLQ }, async (driver) => {
      const input = driver.createInputTopic('events', serdes.string(), serdes.json<Event>())
      const start = T0 * 1000
      await input.pipeInput('k', { category: 'x', at: start })
      await input.pipeInput('k', { category: 'x', at: start + 1000, fail: true })
      await input.pipeInput('k', { category: 'x', at: start + 2000 })
      const windows = await collect(driver.getWindowStore<string, number>('counts').all())
      expect(windows.map(({ key, value }) => [key.key, key.window.start, value])).toEqual([['k', start, 2]])
      expect(deadLetterReasons(driver)).toEqual([['1', 'timestamp-too-far-ahead']])
      expect(driver.metrics().lateRecordsDropped).toBe(0)
      expect(2 + deadLetterReasons(driver).length + driver.metrics().lateRecordsDropped).toBe(3)
    })
  })
})
