import { describe, expect, test } from 'vitest'
import {
  defineTopology,
  FixedKeyRecord,
  ProcessingError,
  Record,
  serdes,
  Stores,
  type FixedKeyProcessorContext,
  type FixedKeyProcessorSupplier,
  type KeyValueStore,
  type KStream,
  type ProcessorContext,
  type StreamsBuilder,
} from 'sluice'
import type { TestOutputTopic } from 'sluice/testing'
import { BACKENDS, collect, entries, withDriver } from '../helpers/driver.js'

const S = serdes.string()
const HEADERS = { trace: 'trace-1' }

interface Numbered {
  text: string
  n: number
}
const NUMBERED = serdes.json<Numbered>()

/** Numbers each key's values (a store of the count per key), one millisecond later, tagged with a header. */
const numbering: FixedKeyProcessorSupplier<string, string, Numbered> = () => {
  let context: FixedKeyProcessorContext<string, Numbered>
  let seen: KeyValueStore<string, number>
  return {
    init: (ctx) => {
      context = ctx
      seen = ctx.getStateStore<KeyValueStore<string, number>>('seen')
    },
    process: (record) => {
      const n = (seen.get(record.key) ?? 0) + 1
      seen.put(record.key, n)
      context.forward(
        record
          .withValue({ text: record.value, n })
          .withTimestamp(record.timestamp + 1)
          .withHeaders({ ...record.headers, numbered: 'yes' }),
      )
    },
  }
}

/** A processor that tries to forward what it may not: a record of its own making. */
function forging(forge: (record: FixedKeyRecord<string, string>) => unknown): FixedKeyProcessorSupplier<string, string, string> {
  return () => {
    let context: FixedKeyProcessorContext<string, string>
    return {
      init: (ctx) => {
        context = ctx
      },
      process: (record) => context.forward(forge(record) as FixedKeyRecord<string, string>),
    }
  }
}

function readAll<K, V>(topic: TestOutputTopic<K, V>) {
  return topic.readRecordsToList().map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp, trace: r.headers.trace?.toString(), numbered: r.headers.numbered?.toString() }))
}

const repartitions = (topology: { internalTopics: readonly { name: string; kind: string }[] }) => topology.internalTopics.filter((topic) => topic.kind === 'repartition').map((topic) => topic.name)

describe.each(BACKENDS)('processValues on %s', (backend) => {
  test('changes values, timestamps and headers, with a store of its own; keys stay as they came', async () => {
    const topology = defineTopology({ applicationId: 'pv' }, (b) => {
      b.stream('in', { key: S, value: S })
        .processValues(numbering, { name: 'numbering', stores: [Stores.keyValue('seen', { key: S, value: serdes.long() })] })
        .to('out', { value: NUMBERED })
    })
    expect(topology.describe()).toContain('Processor: numbering (stores: [seen])')
    expect(topology.toDot()).toContain('numbering')
    expect(topology.toMermaid()).toContain('numbering')
    await withDriver(topology, { backend }, async (driver) => {
      const input = driver.createInputTopic('in', S, S)
      for (const [key, timestamp] of [['a', 10], ['b', 20], ['a', 30]] as const) await input.pipeInput(key, `${key}@${timestamp}`, timestamp, HEADERS)
      expect(readAll(driver.createOutputTopic('out', S, NUMBERED))).toEqual([
        { key: 'a', value: { text: 'a@10', n: 1 }, timestamp: 11, trace: 'trace-1', numbered: 'yes' },
        { key: 'b', value: { text: 'b@20', n: 1 }, timestamp: 21, trace: 'trace-1', numbered: 'yes' },
        { key: 'a', value: { text: 'a@30', n: 2 }, timestamp: 31, trace: 'trace-1', numbered: 'yes' },
      ])
      expect(entries(await collect(driver.getKeyValueStore<string, number>('seen').all()))).toEqual([
        ['a', 2],
        ['b', 1],
      ])
    })
  })

  test('groupByKey after processValues reads the stream as it is: no repartition topic, unlike after process()', async () => {
    const counted = (step: (stream: KStream<string, string>) => KStream<string, string>) =>
      defineTopology({ applicationId: 'pv' }, (b: StreamsBuilder) => {
        step(b.stream('in', { key: S, value: S }))
          .groupByKey({ key: S, value: S })
          .count({ store: 'counts' })
          .toStream()
          .to('counts-out')
      })
    const upper: FixedKeyProcessorSupplier<string, string, string> = () => {
      let context: FixedKeyProcessorContext<string, string>
      return { init: (ctx) => void (context = ctx), process: (record) => context.forward(record.withValue(record.value.toUpperCase())) }
    }
    const afterProcessValues = counted((stream) => stream.processValues(upper))
    expect(repartitions(afterProcessValues)).toEqual([])
    expect(afterProcessValues.subtopologies).toHaveLength(1)
    expect(afterProcessValues.describe()).toMatch(/Processor: process-values-2 \(stores: \[\]\)\n {6}--> count-3/)

    // process() may change keys: the same grouping repartitions.
    const afterProcess = counted((stream) =>
      stream.process<string, string>(() => {
        let context: ProcessorContext<string, string>
        return { init: (ctx) => void (context = ctx), process: (record) => context.forward(record.withValue(record.value.toUpperCase())) }
      }),
    )
    expect(repartitions(afterProcess)).toEqual(['pv-in-group-by-key-repartition'])

    // Keys changed before processValues still count: it keeps the stream's state, it does not reset it.
    const afterSelectKey = counted((stream) => stream.selectKey((_key, value) => value).processValues(upper))
    expect(repartitions(afterSelectKey)).toEqual(['pv-in-group-by-key-repartition'])

    await withDriver(afterProcessValues, { backend }, async (driver) => {
      const input = driver.createInputTopic('in', S, S)
      for (const key of ['a', 'b', 'a']) await input.pipeInput(key, 'x', 1)
      expect(driver.createOutputTopic('counts-out', S, serdes.long()).readKeyValuesToList()).toEqual([
        { key: 'a', value: 1 },
        { key: 'b', value: 1 },
        { key: 'a', value: 2 },
      ])
    })
  })

  test('forwarding a record with another key fails with an error naming the processor', async () => {
    const topology = defineTopology({ applicationId: 'pv' }, (b) => {
      b.stream('in', { key: S, value: S })
        .processValues(forging((record) => new Record(`${record.key}-changed`, record.value, record.timestamp)), { name: 're-keyer' })
        .to('out', { value: S })
    })
    await withDriver(topology, { backend }, async (driver) => {
      const input = driver.createInputTopic('in', S, S)
      const piped = input.pipeInput('a', 'x', 1)
      await expect(piped).rejects.toThrow(ProcessingError)
      await expect(piped).rejects.toThrow(
        'processValues "re-keyer" forwarded a record with key "a-changed" that is not one it received: a processValues processor may change values, timestamps and headers, never keys',
      )
      expect(driver.topicContents('out')).toEqual([])
    })
  })

  test('no other record passes either: one with the same key, a look-alike, a FixedKeyRecord constructed by hand', async () => {
    const attempts: [string, (record: FixedKeyRecord<string, string>) => unknown][] = [
      ['a plain Record with the same key', (record) => new Record(record.key, 'y', record.timestamp)],
      ['a look-alike', (record) => Object.assign(Object.create(FixedKeyRecord.prototype) as object, { key: 'b', value: 'y', timestamp: record.timestamp, headers: {} })],
    ]
    for (const [what, forge] of attempts) {
      const topology = defineTopology({ applicationId: 'pv' }, (b) => {
        b.stream('in', { key: S, value: S }).processValues(forging(forge), { name: 'forger' }).to('out', { value: S })
      })
      await withDriver(topology, { backend }, async (driver) => {
        await expect(driver.createInputTopic('in', S, S).pipeInput('a', 'x', 1), what).rejects.toThrow(/processValues "forger" forwarded a record with key "[ab]" that is not one it received/)
      })
    }
    const Constructor = FixedKeyRecord as unknown as new (...args: unknown[]) => unknown
    expect(() => new Constructor(Symbol('FixedKeyRecord from an input record'), 'b', 'y', 1, {})).toThrow('A FixedKeyRecord is made only from a record a processor received')
  })

  test('a punctuator may forward records kept from earlier input: each keeps the key it came with', async () => {
    // The latest value per key, forwarded on every wall-clock second (a rate limiter).
    const latestPerSecond: FixedKeyProcessorSupplier<string, string, string> = () => {
      const latest = new Map<string, FixedKeyRecord<string, string>>()
      return {
        init: (context) => {
          context.schedule(1_000, 'wall-clock', () => {
            for (const record of latest.values()) context.forward(record.withValue(`latest ${record.value}`))
            latest.clear()
          })
        },
        process: (record) => void latest.set(record.key, record),
      }
    }
    const topology = defineTopology({ applicationId: 'pv' }, (b) => {
      b.stream('in', { key: S, value: S }).processValues(latestPerSecond).to('out', { value: S })
    })
    await withDriver(topology, { backend }, async (driver) => {
      const input = driver.createInputTopic('in', S, S)
      for (const [key, value] of [['a', '1'], ['b', '2'], ['a', '3']]) await input.pipeInput(key, value, 5)
      const output = driver.createOutputTopic('out', S, S)
      expect(output.isEmpty()).toBe(true)
      await driver.advanceWallClockTime(1_000)
      expect(output.readKeyValuesToList()).toEqual([
        { key: 'a', value: 'latest 3' },
        { key: 'b', value: 'latest 2' },
      ])
    })
  })
})
