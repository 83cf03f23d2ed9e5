import { describe, expect, test } from 'vitest'
import { DEAD_LETTER_HEADERS, defineTopology, DeserializationError, ProcessingError, serdes, type Serde, type Windowed } from 'sluice'
import { BACKENDS, withDriver } from '../helpers/driver.js'

function roundTrip<T>(serde: Serde<T>, value: T): T {
  const bytes = serde.serialize('topic', value)
  return serde.deserialize('topic', bytes)
}

describe('serdes round trips', () => {
  test('string', () => {
    for (const value of ['', 'plain', 'ünïcödé ✓ 🚀', 'a\u0000b', 'x'.repeat(100_000)]) expect(roundTrip(serdes.string(), value)).toBe(value)
    expect(serdes.string().serialize('t', 'é')).toEqual(Buffer.from([0xc3, 0xa9]))
    expect(serdes.string().deserialize('t', null)).toBe('')
  })

  test('json', () => {
    interface Doc {
      n: number
      s: string
      nested: { list: (number | null)[]; flag: boolean }
    }
    const doc: Doc = { n: -1.5, s: 'ü', nested: { list: [1, null, 3], flag: true } }
    expect(roundTrip(serdes.json<Doc>(), doc)).toEqual(doc)
    expect(roundTrip(serdes.json<number[]>(), [1, 2, 3])).toEqual([1, 2, 3])
    expect(roundTrip(serdes.json<string>(), 'text')).toBe('text')
    expect(serdes.json<Doc | null>().serialize('t', null)).toBeNull()
    expect(serdes.json<Doc | null>().deserialize('t', null)).toBeNull()
    expect(serdes.json<{ a: number }>().serialize('t', { a: 1 })).toEqual(Buffer.from('{"a":1}'))
  })

  test('json with a validator rejects values of the wrong shape', () => {
    const isPoint = (value: unknown): value is { x: number } => typeof (value as { x?: unknown })?.x === 'number'
    const serde = serdes.json(isPoint)
    expect(roundTrip(serde, { x: 3 })).toEqual({ x: 3 })
    expect(() => serde.deserialize('t', Buffer.from('{"y":1}'))).toThrow('the JSON value does not have the expected shape')
    expect(() => serde.deserialize('t', Buffer.from('{not json'))).toThrow(SyntaxError)
  })

  test('long: 8 bytes big-endian, as Kafka LongSerializer', () => {
    for (const value of [0, 1, -1, 42, -(2 ** 40), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) expect(roundTrip(serdes.long(), value)).toBe(value)
    expect(serdes.long().serialize('t', 258)).toEqual(Buffer.from([0, 0, 0, 0, 0, 0, 1, 2]))
    expect(serdes.long().serialize('t', -1)).toEqual(Buffer.alloc(8, 0xff))
    expect(() => serdes.long().deserialize('t', Buffer.alloc(4))).toThrow('a long needs 8 bytes, got 4')
    expect(() => serdes.long().deserialize('t', null)).toThrow('a long needs 8 bytes, got null')
  })

  test('int: 4 bytes big-endian, as Kafka IntegerSerializer', () => {
    for (const value of [0, 1, -1, 2 ** 31 - 1, -(2 ** 31)]) expect(roundTrip(serdes.int(), value)).toBe(value)
    expect(serdes.int().serialize('t', 258)).toEqual(Buffer.from([0, 0, 1, 2]))
    expect(() => serdes.int().deserialize('t', Buffer.alloc(8))).toThrow('an int needs 4 bytes, got 8')
    expect(() => serdes.int().serialize('t', 2 ** 31)).toThrow(RangeError)
  })

  test('double: 8 bytes IEEE-754 big-endian, as Kafka DoubleSerializer', () => {
    for (const value of [0, -0, 0.1, -1e300, 5e-324, Infinity, -Infinity]) expect(roundTrip(serdes.double(), value)).toBe(value)
    expect(roundTrip(serdes.double(), NaN)).toBeNaN()
    expect(serdes.double().serialize('t', 1)).toEqual(Buffer.from([0x3f, 0xf0, 0, 0, 0, 0, 0, 0]))
    expect(() => serdes.double().deserialize('t', Buffer.alloc(7))).toThrow('a double needs 8 bytes, got 7')
  })

  test('windowed: inner key bytes, then window start and end as 8-byte big-endian longs', () => {
    const key: Windowed<string> = { key: 'card-42', window: { start: 60_000, end: 120_000 } }
    const serde = serdes.windowed(serdes.string())
    expect(roundTrip(serde, key)).toEqual(key)
    const bytes = serde.serialize('t', key) as Buffer
    expect(bytes).toEqual(Buffer.concat([Buffer.from('card-42'), serdes.long().serialize('t', 60_000) as Buffer, serdes.long().serialize('t', 120_000) as Buffer]))
    expect(roundTrip(serde, { key: '', window: { start: 0, end: 1 } })).toEqual({ key: '', window: { start: 0, end: 1 } })
    const numeric: Windowed<number> = { key: -7, window: { start: 1_700_000_000_000, end: 1_700_000_060_000 } }
    expect(roundTrip(serdes.windowed(serdes.long()), numeric)).toEqual(numeric)
    const json: Windowed<{ id: number }> = { key: { id: 1 }, window: { start: 5, end: 10 } }
    expect(roundTrip(serdes.windowed(serdes.json<{ id: number }>()), json)).toEqual(json)
    expect(() => serde.deserialize('t', Buffer.alloc(15))).toThrow('a windowed key needs at least 16 bytes')
  })
})

interface Order {
  id: number
  qty: number
}
const isOrder = (value: unknown): value is Order => typeof value === 'object' && value !== null && typeof (value as Order).id === 'number' && typeof (value as Order).qty === 'number'
const ORDER = serdes.json(isOrder)
const S = serdes.string()

/** Orders in, their quantity doubled out; qty 13 makes the processor throw. */
const ordersTopology = () =>
  defineTopology({ applicationId: 'serdes' }, (b) => {
    b.stream('orders', { key: S, value: ORDER })
      .mapValues((order) => {
        if (order.qty === 13) throw new Error('unlucky quantity')
        return order.qty * 2
      })
      .to('doubled', { value: serdes.long() })
  })

const good = (id: number) => ({ key: Buffer.from(`k${id}`), value: Buffer.from(JSON.stringify({ id, qty: id })) })

describe.each(BACKENDS)('bad input on %s', (backend) => {
  test('a malformed JSON payload fails with a DeserializationError naming topic, partition and offset', async () => {
    await withDriver(ordersTopology(), { backend }, async (driver) => {
      const input = driver.createInputTopic('orders', S, ORDER)
      await input.pipeInput('a', { id: 1, qty: 1 })
      const error = await input.pipeRaw([good(2), { key: Buffer.from('bad'), value: Buffer.from('{"id": 3, "qty":') }, good(4)]).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(DeserializationError)
      const deserialization = error as DeserializationError
      expect(deserialization.message).toMatch(/^Cannot deserialize the value of the record at topic orders, partition 0, offset 2: /)
      expect(deserialization.position).toEqual({ topic: 'orders', partition: 0, offset: '2' })
      expect(deserialization.part).toBe('value')
      expect(deserialization.cause).toBeInstanceOf(SyntaxError)
      // The records before the bad one were processed; the task stopped at the bad one, which
      // stays unconsumed: a commit stores the bad record's offset as the next to read.
      expect(driver.createOutputTopic('doubled', S, serdes.long()).readKeyValuesToList()).toEqual([
        { key: 'a', value: 2 },
        { key: 'k2', value: 4 },
      ])
      await driver.commit()
      expect(driver.committed().get('orders:0')).toBe('2')
    })
  })

  test('a value of the wrong shape and a bad key fail with their position too', async () => {
    const keyed = defineTopology({ applicationId: 'serdes' }, (b) => {
      b.stream('numbers', { key: serdes.long(), value: ORDER }).to('out')
    })
    await withDriver(keyed, { backend }, async (driver) => {
      const input = driver.createInputTopic('numbers', serdes.long(), ORDER)
      await expect(input.pipeRaw([{ key: Buffer.alloc(3), value: good(1).value }])).rejects.toThrow(
        new DeserializationError({ topic: 'numbers', partition: 0, offset: '0' }, 'key', new Error('a long needs 8 bytes, got 3')),
      )
      await expect(input.pipeRaw([{ key: serdes.long().serialize('numbers', 1), value: Buffer.from('{"id":1}') }])).rejects.toThrow(
        'Cannot deserialize the value of the record at topic numbers, partition 0, offset 1: the JSON value does not have the expected shape',
      )
    })
  })

  test('a failing or invalid timestamp extractor fails with the position, or goes to the dead-letter topic', async () => {
    const timed = defineTopology({ applicationId: 'serdes' }, (b) => {
      b.stream('orders', {
        key: S,
        value: ORDER,
        timestamp: (order) => {
          if (order.id === 0) throw new Error('no time')
          return order.qty
        },
      }).to('out')
    })
    await withDriver(timed, { backend }, async (driver) => {
      const input = driver.createInputTopic('orders', S, ORDER)
      await expect(input.pipeInput('k', { id: 0, qty: 1 })).rejects.toThrow(
        new ProcessingError({ topic: 'orders', partition: 0, offset: '0' }, 'source-1 (timestamp extractor)', new Error('no time')),
      )
      await expect(input.pipeInput('k', { id: 1, qty: -5 })).rejects.toThrow(
        'Processor source-1 (timestamp extractor) failed on the record at topic orders, partition 0, offset 1: invalid timestamp -5',
      )
    })
    await withDriver(timed, { backend, deadLetterTopic: 'dlq' }, async (driver) => {
      const input = driver.createInputTopic('orders', S, ORDER)
      await input.pipeRecords([
        { key: 'a', value: { id: 0, qty: 1 } },
        { key: 'b', value: { id: 1, qty: -1 } },
        { key: 'c', value: { id: 2, qty: 7 } },
      ])
      expect(driver.createOutputTopic('out', S, ORDER).readRecordsToList().map((r) => [r.key, r.timestamp])).toEqual([['c', 7]])
      expect(driver.topicContents('dlq').map((r) => [r.key?.toString(), r.headers[DEAD_LETTER_HEADERS.errorClass]?.toString(), r.headers[DEAD_LETTER_HEADERS.offset]?.toString()])).toEqual([
        ['a', 'ProcessingError', '0'],
        ['b', 'ProcessingError', '1'],
      ])
    })
  })

  test('with a dead-letter topic, bad records land there with their raw bytes and the error in headers; processing goes on', async () => {
    const raw = [
      good(1),
      { key: Buffer.from('broken'), value: Buffer.from('{"id": 2, ') },
      good(3),
      { key: Buffer.from('shape'), value: Buffer.from('{"id":4}'), headers: { origin: 'test' } },
      good(5),
      good(13), // the processor throws
      { key: null, value: Buffer.from([0xff, 0xfe, 0x00]) },
      good(8),
    ]
    await withDriver(ordersTopology(), { backend, deadLetterTopic: 'orders-dlq' }, async (driver) => {
      const input = driver.createInputTopic('orders', S, ORDER)
      await input.pipeRaw(raw.slice(0, 4))
      await input.pipeRaw(raw.slice(4))
      const output = driver.createOutputTopic('doubled', S, serdes.long()).readKeyValuesToList()
      expect(output).toEqual([1, 3, 5, 8].map((id) => ({ key: `k${id}`, value: id * 2 })))
      const dead = driver.topicContents('orders-dlq')
      expect(output.length + dead.length).toBe(raw.length)
      expect(driver.metrics()).toMatchObject({ recordsProcessed: raw.length, recordsSkipped: dead.length })

      expect(dead.map((record) => [record.key, record.value])).toEqual([raw[1], raw[3], raw[5], raw[6]].map((record) => [record.key, record.value]))
      const header = (index: number, name: string) => dead[index].headers[name]?.toString()
      expect([0, 1, 2, 3].map((i) => [header(i, DEAD_LETTER_HEADERS.errorClass), header(i, DEAD_LETTER_HEADERS.topic), header(i, DEAD_LETTER_HEADERS.partition), header(i, DEAD_LETTER_HEADERS.offset)])).toEqual([
        ['DeserializationError', 'orders', '0', '1'],
        ['DeserializationError', 'orders', '0', '3'],
        ['ProcessingError', 'orders', '0', '5'],
        ['DeserializationError', 'orders', '0', '6'],
      ])
      expect(header(0, DEAD_LETTER_HEADERS.error)).toMatch(/^Cannot deserialize the value of the record at topic orders, partition 0, offset 1: /)
      expect(header(1, DEAD_LETTER_HEADERS.error)).toBe('Cannot deserialize the value of the record at topic orders, partition 0, offset 3: the JSON value does not have the expected shape')
      expect(header(2, DEAD_LETTER_HEADERS.error)).toBe(
        new ProcessingError({ topic: 'orders', partition: 0, offset: '5' }, 'map-values-2', new Error('unlucky quantity')).message,
      )
      // The record's own headers travel along.
      expect(header(1, 'origin')).toBe('test')
      // Offsets move past dead-lettered records.
      await driver.commit()
      expect(driver.committed().get('orders:0')).toBe(String(raw.length))
    })
  })
})
