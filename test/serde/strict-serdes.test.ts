import { afterEach, describe, expect, test } from 'vitest'
import { DEAD_LETTER_HEADERS, defineTopology, serdes, type Serde } from 'sluice'
import { debeziumRows, debeziumSerde, debeziumKeySerde } from 'sluice/debezium'
import { TopologyTestDriver } from 'sluice/testing'

/** `gr\xFFocery`: one byte that is not UTF-8 inside an otherwise valid JSON document. */
const INVALID_UTF8_JSON = Buffer.concat([Buffer.from('{"category":"gr'), Buffer.from([0xff]), Buffer.from('ocery"}')])

const write = <T>(serde: Serde<T>, value: unknown) => () => serde.serialize('t', value as T)

describe('serdes are strict by default', () => {
  test('string: writes strings only, reads valid UTF-8 only', () => {
    const string = serdes.string()
    expect(() => write(string, [104, 105])()).toThrow('the string serde writes strings only, got an array')
    expect(() => write(string, 42)()).toThrow('got a number')
    expect(() => write(string, Buffer.from('hi'))()).toThrow('got a Buffer')
    expect(() => write(string, undefined)()).toThrow('got undefined')
    expect(() => string.deserialize('t', Buffer.from([0x68, 0xff, 0x69]))).toThrow('the string bytes are not valid UTF-8')
    expect(() => string.deserialize('t', Buffer.from([0xc3]))).toThrow('not valid UTF-8') // a character cut in half
    expect(string.deserialize('t', Buffer.from('ünï ✓ 🚀'))).toBe('ünï ✓ 🚀')
  })

  test('json: invalid UTF-8 is an error, not a replacement character', () => {
    expect(() => serdes.json().deserialize('t', INVALID_UTF8_JSON)).toThrow('the JSON bytes are not valid UTF-8')
    expect(serdes.json().deserialize('t', Buffer.from('{"category":"grocery"}'))).toEqual({ category: 'grocery' })
  })

  test('json: a validator may throw its own reason', () => {
    const serde = serdes.json((value: unknown): value is { n: number } => {
      if (typeof (value as { n?: unknown }).n !== 'number') throw new Error('field "n": expected a number')
      return true
    })
    expect(() => serde.deserialize('t', Buffer.from('{"n":"1"}'))).toThrow('field "n": expected a number')
  })

  test('Debezium envelopes with invalid UTF-8 are malformed', () => {
    const bytes = Buffer.concat([Buffer.from('{"op":"c","after":{"category":"gr'), Buffer.from([0xff]), Buffer.from('ocery"}}')])
    expect(() => debeziumSerde().deserialize('t', bytes)).toThrow('malformed Debezium envelope: the value bytes are not valid UTF-8')
    expect(() => debeziumKeySerde().deserialize('t', Buffer.from([0x7b, 0xff, 0x7d]))).toThrow('the key bytes are not valid UTF-8')
  })

  test('long: safe integers only, both ways', () => {
    const long = serdes.long()
    for (const bad of [1.5, NaN, Infinity, 2 ** 53]) expect(write(long, bad), String(bad)).toThrow(RangeError)
    expect(write(long, '5')).toThrow('the long serde writes numbers only, got a string')
    const big = Buffer.alloc(8)
    big.writeBigInt64BE(2n ** 60n)
    expect(() => long.deserialize('t', big)).toThrow('the long 1152921504606846976 is beyond what a JS number holds exactly')
  })

  test('int and double: numbers only; int integers only', () => {
    expect(write(serdes.int(), 1.5)).toThrow('the int serde writes integers only, got 1.5')
    expect(write(serdes.int(), NaN)).toThrow(RangeError)
    expect(write(serdes.int(), '7')).toThrow('got a string')
    expect(write(serdes.double(), '7')).toThrow('the double serde writes numbers only, got a string')
  })
})

describe('strict serdes in a topology: bad records are dead-lettered, never turned into other values', () => {
  let driver: TopologyTestDriver | undefined
  afterEach(async () => {
    await driver?.close()
    driver = undefined
  })

  test('a JSON value with invalid UTF-8 goes to the dead-letter topic; its neighbours are processed', async () => {
    const topology = defineTopology({ applicationId: 'strict-json' }, (b) => {
      b.stream('in', { key: serdes.string(), value: serdes.json<{ category: string }>() })
        .mapValues((value) => value.category)
        .to('out', { value: serdes.string() })
    })
    driver = await TopologyTestDriver.create(topology, { backend: 'memory', deadLetterTopic: 'dlq' })
    await driver.createInputTopic('in', serdes.bytes(), serdes.bytes()).pipeRaw([
      { key: Buffer.from('a'), value: Buffer.from('{"category":"grocery"}') },
      { key: Buffer.from('b'), value: INVALID_UTF8_JSON },
      { key: Buffer.from('c'), value: Buffer.from('{"category":"travel"}') },
    ])
    expect(driver.createOutputTopic('out', serdes.string(), serdes.string()).readKeyValuesToList().map((kv) => kv.value)).toEqual(['grocery', 'travel'])
    const [dead, ...more] = driver.topicContents('dlq')
    expect(more).toEqual([])
    expect(dead.value).toEqual(INVALID_UTF8_JSON)
    const header = (name: string) => dead.headers[name]?.toString()
    expect([header(DEAD_LETTER_HEADERS.topic), header(DEAD_LETTER_HEADERS.partition), header(DEAD_LETTER_HEADERS.offset), header(DEAD_LETTER_HEADERS.errorClass)]).toEqual(['in', '0', '1', 'DeserializationError'])
    expect(header(DEAD_LETTER_HEADERS.error)).toMatch(/value of the record at topic in, partition 0, offset 1: the JSON bytes are not valid UTF-8/)
  })

  test('an array where a string key belongs (Debezium without validate) is dead-lettered, not written as its char codes', async () => {
    interface Row {
      id: string
      card: string
    }
    const topology = defineTopology({ applicationId: 'strict-string' }, (b) => {
      b.stream('cdc', { key: serdes.bytes(), value: debeziumSerde<Row>() })
        .flatMapValues(debeziumRows<Row>())
        .selectKey((_key, row) => row.card)
        .to('by-card', { key: serdes.string(), value: serdes.json<Row>() })
    })
    driver = await TopologyTestDriver.create(topology, { backend: 'memory', deadLetterTopic: 'dlq' })
    const envelope = (after: unknown) => Buffer.from(JSON.stringify({ payload: { op: 'c', before: null, after } }))
    await driver.createInputTopic('cdc', serdes.bytes(), serdes.bytes()).pipeRaw([
      { key: null, value: envelope({ id: '1', card: [104, 105] }) },
      { key: null, value: envelope({ id: '2', card: 'hi' }) },
    ])
    expect(driver.topicContents('by-card').map((record) => [record.key?.toString(), JSON.parse(String(record.value)).id])).toEqual([['hi', '2']])
    const dead = driver.topicContents('dlq')
    expect(dead.map((record) => [record.headers[DEAD_LETTER_HEADERS.offset]?.toString(), record.headers[DEAD_LETTER_HEADERS.errorClass]?.toString()])).toEqual([['0', 'ProcessingError']])
    expect(String(dead[0].headers[DEAD_LETTER_HEADERS.error])).toMatch(/offset 0: the string serde writes strings only, got an array/)
  })
})
