import { describe, expect, test } from 'vitest'
import { serdes } from 'sluice'
import type { Serde } from '../../../src/serde/serde.js'
import { parseKeyArgument, parseTimeArgument } from '../../../src/state/query/key-argument.js'

const parse = (serde: Serde<unknown>, text: string): unknown => parseKeyArgument(serde, text, 'topic')
const erase = <T>(serde: Serde<T>): Serde<unknown> => serde as unknown as Serde<unknown>

describe('keys typed on the command line', () => {
  test('string keys are taken as they are, JSON-looking text included', () => {
    expect(parse(erase(serdes.string()), '42')).toBe('42')
    expect(parse(erase(serdes.string()), '{"a":1}')).toBe('{"a":1}')
  })

  test('numeric serdes take numbers, integers for long and int', () => {
    expect(parse(erase(serdes.long()), '1700000000000')).toBe(1_700_000_000_000)
    expect(parse(erase(serdes.double()), '2.5')).toBe(2.5)
    expect(() => parse(erase(serdes.int()), '2.5')).toThrow(/not an integer/)
    expect(() => parse(erase(serdes.long()), 'abc')).toThrow(/not a number/)
  })

  test('other serdes read JSON, and text that is not JSON as a string', () => {
    const json = erase(serdes.json())
    expect(parse(json, '42')).toBe(42)
    expect(parse(json, '"42"')).toBe('42')
    expect(parse(json, '{"id":1}')).toEqual({ id: 1 })
    expect(parse(json, 'alice')).toBe('alice')
  })

  test('bytes keys are the UTF-8 bytes of the text', () => {
    expect(parse(erase(serdes.bytes()), 'ab')).toEqual(Buffer.from('ab'))
  })

  test('a key the serde cannot serialize fails with the serde named', () => {
    const picky: Serde<unknown> = { name: 'picky', serialize: () => { throw new Error('no') }, deserialize: () => 'x' }
    expect(() => parse(picky, 'k')).toThrow(/does not fit the store's key serde picky: no/)
  })

  test('times are epoch milliseconds or ISO dates', () => {
    expect(parseTimeArgument('1700000000000', '--from')).toBe(1_700_000_000_000)
    expect(parseTimeArgument('2023-11-14T22:13:20Z', '--from')).toBe(1_700_000_000_000)
    expect(() => parseTimeArgument('yesterday', '--to')).toThrow(/--to must be epoch milliseconds or an ISO date/)
  })
})
