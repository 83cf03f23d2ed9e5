import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { defineTopology, ProcessingError, Record, serdes, Stores, type Cancellable, type KeyValueStore, type ProcessorContext, type ProcessorSupplier, type RecordPosition } from 'sluice'
import { TopologyTestDriver } from 'sluice/testing'
import { BACKENDS, withDriver } from '../helpers/driver.js'

const S = serdes.string()

describe('Record', () => {
  test('is immutable, headers included', () => {
    const headers: { [name: string]: string } = { a: '1' }
    const record = new Record('k', { n: 1 }, 10, headers)
    headers.a = 'changed'
    headers.b = 'added'
    expect(record.headers).toEqual({ a: '1' })
    expect(Object.isFrozen(record)).toBe(true)
    expect(Object.isFrozen(record.headers)).toBe(true)
    const writable = record as unknown as { key: string; timestamp: number; headers: { [name: string]: string } }
    expect(() => {
      writable.key = 'x'
    }).toThrow(TypeError)
    expect(() => {
      writable.timestamp = 0
    }).toThrow(TypeError)
    expect(() => {
      writable.headers.a = '2'
    }).toThrow(TypeError)
    expect([record.key, record.timestamp, record.headers.a]).toEqual(['k', 10, '1'])
  })

  test('with* return changed copies and leave the original alone', () => {
    const record = new Record('k', 'v', 10, { h: 'x' })
    const copies = [record.withKey(7), record.withValue({ v: true }), record.withTimestamp(20), record.withHeaders({ other: 'y' })]
    expect(copies.map((copy) => [copy.key, copy.value, copy.timestamp, copy.headers])).toEqual([
      [7, 'v', 10, { h: 'x' }],
      ['k', { v: true }, 10, { h: 'x' }],
      ['k', 'v', 20, { h: 'x' }],
      ['k', 'v', 10, { other: 'y' }],
    ])
    for (const copy of copies) {
      expect(copy).toBeInstanceOf(Record)
      expect(copy).not.toBe(record)
      expect(Object.isFrozen(copy)).toBe(true)
    }
    expect([record.key, record.value, record.timestamp, record.headers]).toEqual(['k', 'v', 10, { h: 'x' }])
  })

  test('headers default to none', () => {
    expect(new Record(null, null, 0).headers).toEqual({})
  })
})

/** A processor that runs `onRecord` for each record, with its context. */
function processorOf<KOut = string, VOut = string>(
  onRecord: (context: ProcessorContext<KOut, VOut>, record: Record<string, string>) => void,
  onInit: (context: ProcessorContext<KOut, VOut>) => void = () => {},
): ProcessorSupplier<string, string, KOut, VOut> {
  return () => {
    let context: ProcessorContext<KOut, VOut>
    return {
      init: (ctx) => {
        context = ctx
        onInit(ctx)
      },
      process: (record) => onRecord(context, record),
    }
  }
}

describe.each(BACKENDS)('ProcessorContext on %s', (backend) => {
  test('forward() goes to every child, or to the named child only', async () => {
    const topology = defineTopology({ applicationId: 'papi' }, (b) => {
      const routed = b.stream('in', { key: S, value: S }).process(
        processorOf((context, record) => {
          if (record.value === 'all') context.forward(record)
          else context.forward(record.withValue(`only ${record.value}`), record.value === 'left' ? 'to-left' : 'to-right')
        }),
        { name: 'router' },
      )
      routed.to('left', { name: 'to-left', key: S, value: S })
      routed.to('right', { name: 'to-right', key: S, value: S })
    })
    await withDriver(topology, { backend }, async (driver) => {
      const input = driver.createInputTopic('in', S, S)
      for (const value of ['all', 'left', 'right']) await input.pipeInput('k', value, 5)
      expect(driver.createOutputTopic('left', S, S).readKeyValuesToList().map((kv) => kv.value)).toEqual(['all', 'only left'])
      expect(driver.createOutputTopic('right', S, S).readKeyValuesToList().map((kv) => kv.value)).toEqual(['all', 'only right'])
    })
  })

  test('forward() to an unknown child throws a clear error naming the record', async () => {
    const topology = defineTopology({ applicationId: 'papi' }, (b) => {
      b.stream('in', { key: S, value: S })
        .process(processorOf((context, record) => context.forward(record, 'nope')), { name: 'router' })
        .to('out', { name: 'out-sink', key: S, value: S })
    })
    await withDriver(topology, { backend }, async (driver) => {
      const input = driver.createInputTopic('in', S, S)
      const error = await input.pipeInput('k', 'v').then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(ProcessingError)
      expect((error as ProcessingError).message).toBe(
        'Processor router failed on the record at topic in, partition 0, offset 0: Processor "router" has no child named "nope" (children: out-sink)',
      )
      expect((error as ProcessingError).position).toEqual({ topic: 'in', partition: 0, offset: '0' })
      expect(driver.topicContents('out')).toEqual([])
    })
  })

  test('getStateStore() of a store not attached to the processor throws a clear error', async () => {
    const storeUser = processorOf(() => {}, (context) => context.getStateStore('mine'))
    const topology = defineTopology({ applicationId: 'papi' }, (b) => {
      const s = b.stream('in', { key: S, value: S })
      s.process(storeUser, { name: 'owner', stores: [Stores.keyValue('mine', { key: S, value: S })] })
      s.process(
        processorOf(() => {}, (context) => context.getStateStore('mine')),
        { name: 'thief' },
      )
    })
    const error = await TopologyTestDriver.create(topology, { backend }).then(
      (driver) => driver.close(),
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ProcessingError)
    expect((error as ProcessingError).message).toBe('Processor thief failed: Processor "thief" asked for the store "mine", which is not attached to it (attached: none)')

    const lazy = defineTopology({ applicationId: 'papi' }, (b) => {
      b.stream('in', { key: S, value: S }).process(
        processorOf((context) => context.getStateStore('missing')),
        { name: 'lazy', stores: [Stores.keyValue('present', { key: S, value: S })] },
      )
    })
    await withDriver(lazy, { backend }, async (driver) => {
      await expect(driver.createInputTopic('in', S, S).pipeInput('k', 'v')).rejects.toThrow(
        'Processor "lazy" asked for the store "missing", which is not attached to it (attached: present)',
      )
    })
  })

  test('a driver whose processor fails in init() releases its stores: the state directory can be opened again', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'sluice-papi-'))
    try {
      let failing = true
      const topology = defineTopology({ applicationId: 'papi' }, (b) => {
        b.stream('in', { key: S, value: S }).process(
          processorOf(
            () => {},
            () => {
              if (failing) throw new Error('init failed')
            },
          ),
          { name: 'fragile', stores: [Stores.keyValue('kept', { key: S, value: S })] },
        )
      })
      await expect(TopologyTestDriver.create(topology, { backend, stateDir })).rejects.toThrow('init failed')
      failing = false
      await withDriver(topology, { backend, stateDir }, async (driver) => {
        await driver.createInputTopic('in', S, S).pipeInput('k', 'v')
        expect(driver.metrics().recordsProcessed).toBe(1)
      })
    } finally {
      await rm(stateDir, { recursive: true, force: true })
    }
  })

  test('process() may return any non-promise value; a rejected promise fails with the record position', async () => {
    const seen: string[] = []
    const topology = defineTopology({ applicationId: 'papi' }, (b) => {
      const s = b.stream('in', { key: S, value: S })
      // A `(record) => void` function may return anything at run time, here push()'s number.
      const handle: (record: Record<string, string>) => void = (record) => seen.push(record.value)
      s.process(() => ({ process: handle }))
      s.process(
        () => ({
          process: async (record: Record<string, string>) => {
            await Promise.resolve()
            if (record.value === 'bad') throw new Error('async failure')
          },
        }),
        { name: 'async-one' },
      )
    })
    await withDriver(topology, { backend }, async (driver) => {
      const input = driver.createInputTopic('in', S, S)
      await input.pipeRecords([
        { key: 'k', value: 'a' },
        { key: 'k', value: 'b' },
      ])
      expect(seen).toEqual(['a', 'b'])
      const error = await input.pipeInput('k', 'bad').then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(ProcessingError)
      expect((error as ProcessingError).message).toBe('Processor async-one failed on the record at topic in, partition 0, offset 2: async failure')
    })
  })

  test('stream-time punctuators fire as record timestamps advance; cancel() stops them', async () => {
    const fired: number[] = []
    let cancellable: Cancellable | undefined
    const topology = defineTopology({ applicationId: 'papi' }, (b) => {
      b.stream('in', { key: S, value: S })
        .process(
          processorOf<string, string>(
            (context, record) => {
              if (record.value === 'cancel') cancellable?.cancel()
            },
            (context) => {
              cancellable = context.schedule(10, 'stream-time', (timestamp) => {
                fired.push(timestamp)
                context.forward(new Record('tick', `at ${timestamp}`, timestamp))
              })
            },
          ),
        )
        .to('ticks', { key: S, value: S })
    })
    await withDriver(topology, { backend }, async (driver) => {
      const input = driver.createInputTopic('in', S, S)
      const pipe = (timestamp: number, value = 'x') => input.pipeInput('k', value, timestamp)
      await driver.advanceWallClockTime(1_000) // wall-clock time does not drive stream-time punctuators
      expect(fired).toEqual([])
      await pipe(100) // the first record starts the schedule: next due at 110
      await pipe(109)
      await pipe(50) // out of order: stream time stays 109
      expect(fired).toEqual([])
      await pipe(110)
      expect(fired).toEqual([110])
      await pipe(115)
      await pipe(155) // several intervals passed: fires once, then waits a full interval
      await pipe(164)
      await pipe(165)
      expect(fired).toEqual([110, 155, 165])
      await pipe(166, 'cancel')
      await pipe(500)
      expect(fired).toEqual([110, 155, 165])
      expect(driver.createOutputTopic('ticks', S, S).readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([
        ['tick', 'at 110', 110],
        ['tick', 'at 155', 155],
        ['tick', 'at 165', 165],
      ])
      expect(driver.metrics().punctuations).toBe(3)
    })
  })

  test('wall-clock punctuators fire as the driver advances wall-clock time; cancel() stops them', async () => {
    const fired: number[] = []
    const topology = defineTopology({ applicationId: 'papi' }, (b) => {
      b.stream('in', { key: S, value: S })
        .process(
          processorOf<string, string>(
            () => {},
            (context) => {
              const cancellable = context.schedule(1_000, 'wall-clock', (timestamp) => {
                fired.push(timestamp)
                expect(context.currentSystemTimeMs()).toBe(timestamp)
                expect(context.recordMetadata()).toBeUndefined()
                context.forward(new Record('tick', String(fired.length), timestamp))
                if (fired.length === 3) cancellable.cancel()
              })
            },
          ),
        )
        .to('ticks', { key: S, value: S })
    })
    await withDriver(topology, { backend, initialWallClockTimeMs: 5_000 }, async (driver) => {
      const input = driver.createInputTopic('in', S, S)
      await input.pipeInput('k', 'v', 1_000_000) // stream time does not drive wall-clock punctuators
      expect(fired).toEqual([])
      await driver.advanceWallClockTime(999)
      expect(fired).toEqual([])
      await driver.advanceWallClockTime(1)
      expect(fired).toEqual([6_000])
      await driver.advanceWallClockTime(3_500) // several intervals: fires once
      expect(fired).toEqual([6_000, 9_500])
      await driver.advanceWallClockTime(1_000)
      expect(fired).toEqual([6_000, 9_500, 10_500])
      await driver.advanceWallClockTime(10_000) // cancelled from inside the third call
      expect(fired).toEqual([6_000, 9_500, 10_500])
      expect(driver.createOutputTopic('ticks', S, S).readKeyValuesToList().map((kv) => kv.value)).toEqual(['1', '2', '3'])
    })
  })

  test('currentStreamTimeMs() is the largest timestamp seen; recordMetadata() gives topic, partition and offset', async () => {
    const seen: { streamTime: number; metadata: RecordPosition | undefined; systemTime: number }[] = []
    let atInit: { streamTime: number; metadata: RecordPosition | undefined; applicationId: string; taskId: string } | undefined
    const topology = defineTopology({ applicationId: 'papi' }, (b) => {
      const a = b.stream('topic-a', { key: S, value: S })
      const c = b.stream('topic-c', { key: S, value: S })
      a.merge(c).process(
        processorOf(
          (context) => seen.push({ streamTime: context.currentStreamTimeMs(), metadata: context.recordMetadata(), systemTime: context.currentSystemTimeMs() }),
          (context) => {
            atInit = { streamTime: context.currentStreamTimeMs(), metadata: context.recordMetadata(), applicationId: context.applicationId, taskId: context.taskId }
          },
        ),
      )
    })
    await withDriver(topology, { backend, initialWallClockTimeMs: 77 }, async (driver) => {
      expect(atInit).toEqual({ streamTime: -1, metadata: undefined, applicationId: 'papi', taskId: '0_0' })
      const a = driver.createInputTopic('topic-a', S, S)
      const c = driver.createInputTopic('topic-c', S, S)
      await a.pipeInput('k', 'v', 100)
      await a.pipeRecords([
        { key: 'k', value: 'v', timestamp: 300 },
        { key: 'k', value: 'v', timestamp: 200 },
      ])
      await c.pipeInput('k', 'v', 250)
      await driver.advanceWallClockTime(3)
      await a.pipeInput('k', 'v') // timestamp defaults to the wall clock: 80
      expect(seen).toEqual([
        { streamTime: 100, metadata: { topic: 'topic-a', partition: 0, offset: '0' }, systemTime: 77 },
        { streamTime: 300, metadata: { topic: 'topic-a', partition: 0, offset: '1' }, systemTime: 77 },
        { streamTime: 300, metadata: { topic: 'topic-a', partition: 0, offset: '2' }, systemTime: 77 },
        { streamTime: 300, metadata: { topic: 'topic-c', partition: 0, offset: '0' }, systemTime: 77 },
        { streamTime: 300, metadata: { topic: 'topic-a', partition: 0, offset: '3' }, systemTime: 80 },
      ])
    })
  })

  test('a processor store is readable from the driver and survives across records', async () => {
    const topology = defineTopology({ applicationId: 'papi' }, (b) => {
      b.stream('in', { key: S, value: S }).process(
        () => {
          let store: KeyValueStore<string, string>
          return {
            init: (context) => {
              store = context.getStateStore<KeyValueStore<string, string>>('last')
            },
            process: (record) => {
              if (record.value === 'delete') store.delete(record.key)
              else store.put(record.key, `${store.get(record.key) ?? ''}${record.value}`)
            },
          }
        },
        { stores: [Stores.keyValue('last', { key: S, value: S })] },
      )
    })
    await withDriver(topology, { backend }, async (driver) => {
      const input = driver.createInputTopic('in', S, S)
      await input.pipeRecords(['a', 'b', 'c'].map((value) => ({ key: 'x', value })))
      await input.pipeRecords([
        { key: 'y', value: 'z' },
        { key: 'y', value: 'delete' },
      ])
      const store = driver.getKeyValueStore<string, string>('last')
      expect(store.get('x')).toBe('abc')
      expect(store.get('y')).toBeUndefined()
    })
  })
})
