import { createHash } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { DEAD_LETTER_HEADERS, defineTopology, DeserializationError, serdes, type Serde } from 'sluice'
import { deadLetterRecord, recordBytes } from '../../src/runtime/dead-letter.js'
import { ORIGIN_HEADER } from '../../src/runtime/record-origin.js'
import type { IncomingRecord } from '../../src/runtime/wire-records.js'
import { withDriver } from '../helpers/driver.js'

const S = serdes.string()
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')
const header = (record: { headers: { [name: string]: Buffer | string | undefined } }, name: string) => record.headers[name]?.toString()

function raw(key: Buffer | null, value: Buffer | null, headers: IncomingRecord['headers'] = {}): IncomingRecord {
  return { topic: 'orders', partition: 2, offset: '41', key, value, timestamp: 7, headers }
}

const error = new DeserializationError({ topic: 'orders', partition: 2, offset: '41' }, 'value', new Error('not JSON'))

describe('dead letters too large to write whole go as stubs', () => {
  test('a dead letter within the limit is written whole, with no stub headers', () => {
    const record = deadLetterRecord('dlq', error, raw(Buffer.from('k'), Buffer.alloc(1000, 1)), 2000)
    expect(record.value).toEqual(Buffer.alloc(1000, 1))
    expect(header(record, DEAD_LETTER_HEADERS.truncated)).toBeUndefined()
    expect(header(record, DEAD_LETTER_HEADERS.offset)).toBe('41')
  })

  test('past the limit: key and value cut to fit, original sizes and SHA-256 in headers, the error and the source as usual', () => {
    const key = Buffer.alloc(300, 'k')
    const value = Buffer.alloc(5 * 1024 * 1024, 'v')
    const record = deadLetterRecord('dlq', error, raw(key, value, { trace: 'abc' }), 64 * 1024)
    expect(recordBytes(record)).toBeLessThanOrEqual(64 * 1024)
    expect(record.key).toEqual(key)
    expect(record.value?.length).toBeGreaterThan(60 * 1024)
    expect(value.subarray(0, record.value?.length)).toEqual(record.value)
    // A copy: the 5 MB original need not stay alive until the stub is sent.
    expect(record.value?.buffer).not.toBe(value.buffer)
    expect(header(record, DEAD_LETTER_HEADERS.truncated)).toBe('value')
    expect(header(record, DEAD_LETTER_HEADERS.valueBytes)).toBe(String(value.length))
    expect(header(record, DEAD_LETTER_HEADERS.valueSha256)).toBe(sha256(value))
    expect(header(record, DEAD_LETTER_HEADERS.keyBytes)).toBe('300')
    expect(header(record, DEAD_LETTER_HEADERS.keySha256)).toBe(sha256(key))
    expect(header(record, DEAD_LETTER_HEADERS.error)).toBe(error.message)
    expect(header(record, DEAD_LETTER_HEADERS.reason)).toBe('deserialization-value')
    expect([header(record, DEAD_LETTER_HEADERS.topic), header(record, DEAD_LETTER_HEADERS.partition), header(record, DEAD_LETTER_HEADERS.offset)]).toEqual(['orders', '2', '41'])
    expect(header(record, 'trace')).toBe('abc')
  })

  test('a large key is cut too, oversized original headers and a long error are dropped or cut, a null value stays null', () => {
    const key = Buffer.alloc(100_000, 'k')
    const longError = new DeserializationError({ topic: 'orders', partition: 2, offset: '41' }, 'key', new Error('x'.repeat(50_000)))
    const record = deadLetterRecord('dlq', longError, raw(key, null, { big: 'h'.repeat(20_000) }), 16 * 1024)
    expect(recordBytes(record)).toBeLessThanOrEqual(16 * 1024)
    expect(record.value).toBeNull()
    expect(key.subarray(0, record.key?.length)).toEqual(record.key)
    expect(header(record, DEAD_LETTER_HEADERS.truncated)).toBe('key,headers,error')
    expect(header(record, 'big')).toBeUndefined()
    expect(header(record, DEAD_LETTER_HEADERS.valueBytes)).toBeUndefined()
    expect(header(record, DEAD_LETTER_HEADERS.keyBytes)).toBe('100000')
    expect(header(record, DEAD_LETTER_HEADERS.error)?.length).toBeLessThan(3000)
  })

  test('in the driver: a large bad record becomes a stub and the records around it are processed', async () => {
    const doubled = defineTopology({ applicationId: 'stubs' }, (b) => {
      b.stream('numbers', { key: S, value: serdes.long() })
        .mapValues((n) => n * 2)
        .to('doubled', { key: S, value: serdes.long() })
    })
    await withDriver(doubled, { backend: 'memory', deadLetterTopic: 'dlq', deadLetterMaxBytes: 4096 }, async (driver) => {
      const input = driver.createInputTopic('numbers', S, serdes.long())
      const huge = Buffer.alloc(100_000, 'x') // not 8 bytes: not a long
      await input.pipeRaw([
        { key: Buffer.from('a'), value: serdes.long().serialize('numbers', 1) },
        { key: Buffer.from('bad'), value: huge },
        { key: Buffer.from('b'), value: serdes.long().serialize('numbers', 2) },
      ])
      expect(driver.createOutputTopic('doubled', S, serdes.long()).readKeyValuesToList()).toEqual([
        { key: 'a', value: 2 },
        { key: 'b', value: 4 },
      ])
      const dead = driver.topicContents('dlq')
      expect(dead).toHaveLength(1)
      expect(recordBytes(dead[0])).toBeLessThanOrEqual(4096)
      expect(dead[0].key?.toString()).toBe('bad')
      expect(header(dead[0], DEAD_LETTER_HEADERS.valueSha256)).toBe(sha256(huge))
      expect(header(dead[0], DEAD_LETTER_HEADERS.offset)).toBe('1')
    })
  })
})

/** A key serde that cannot read back the word "poison" (as a schema change might make it). */
const pickyKey: Serde<string> = {
  name: 'picky string',
  serialize: (topic, value) => S.serialize(topic, value),
  deserialize: (topic, data) => {
    const text = S.deserialize(topic, data)
    if (text === 'poison') throw new Error('cannot read poison')
    return text
  },
}

describe('dead letters from a repartition topic name the source record', () => {
  const wordCounts = defineTopology({ applicationId: 'origin' }, (b) => {
    b.stream('lines', { key: S, value: S })
      .groupBy((_key, word) => word, { key: pickyKey, repartition: 'by-word' })
      .count({ store: 'word-counts' })
      .toStream()
      .mapValues((count, key) => {
        if (key === 'boom') throw new Error('no booms')
        return count
      })
      .to('counts', { key: S, value: serdes.long() })
  })
  const repartition = 'origin-by-word-repartition'

  test('a record that fails to deserialize, or to process, after a value-free repartition names the input record, not the empty internal one', async () => {
    // The repartition topic carries no values (presence): the dead letter's value is empty.
    expect(wordCounts.subtopologies[1].nodes[0]).toMatchObject({ kind: 'source', valueSerde: { name: expect.stringMatching(/^presence/) } })
    await withDriver(wordCounts, { backend: 'memory', deadLetterTopic: 'dlq' }, async (driver) => {
      await driver.createInputTopic('lines', S, S).pipeRecords(['a', 'poison', 'b', 'boom', 'a'].map((value, index) => ({ key: `line-${index}`, value, timestamp: index })))
      expect(driver.createOutputTopic('counts', S, serdes.long()).readKeyValuesToList()).toEqual([
        { key: 'a', value: 1 },
        { key: 'b', value: 1 },
        { key: 'a', value: 2 },
      ])
      const dead = driver.topicContents('dlq')
      expect(dead.map((record) => [record.key?.toString(), record.value?.length])).toEqual([
        ['poison', 0],
        ['boom', 0],
      ])
      const positions = (name: 'topic' | 'partition' | 'offset' | 'internalTopic' | 'internalPartition' | 'internalOffset') => dead.map((record) => header(record, DEAD_LETTER_HEADERS[name]))
      expect(positions('topic')).toEqual(['lines', 'lines'])
      expect(positions('partition')).toEqual(['0', '0'])
      expect(positions('offset')).toEqual(['1', '3'])
      expect(positions('internalTopic')).toEqual([repartition, repartition])
      expect(positions('internalOffset')).toEqual(['1', '3'])
      expect(dead.map((record) => header(record, DEAD_LETTER_HEADERS.reason))).toEqual(['deserialization-key', 'processing'])
      expect(dead.every((record) => !(ORIGIN_HEADER in record.headers))).toBe(true)
      // Repartition records carry the origin; what leaves the application does not.
      expect(driver.topicContents(repartition).map((record) => header(record, ORIGIN_HEADER))).toEqual([0, 1, 2, 3, 4].map((offset) => `lines/0/${offset}`))
      expect(driver.topicContents('counts').every((record) => !(ORIGIN_HEADER in record.headers))).toBe(true)
    })
  })
})
