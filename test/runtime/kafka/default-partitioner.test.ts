import { createRequire } from 'node:module'
import { describe, expect, test } from 'vitest'
// Internal: the runtime computes the default partitioner's choice itself (see buffered-collector.ts).
import { murmur2, partitionForKey } from '../../../src/runtime/kafka/default-partitioner.js'

// kafkajs's own murmur2 (Java-compatible, in 64-bit Long arithmetic) is the reference.
const kafkajsMurmur2 = createRequire(import.meta.url)('sluice-kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer) => number

describe('default partitioner', () => {
  test('murmur2 equals kafkajs (and so the Java client) for keys of every length and byte', () => {
    let state = 7
    const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24
    for (let n = 0; n < 5000; n++) {
      const key = Buffer.alloc(n % 67)
      for (let i = 0; i < key.length; i++) key[i] = random()
      expect(murmur2(key)).toBe(kafkajsMurmur2(key))
    }
    for (const key of ['', 'a', 'ab', 'abc', 'abcd', '4000000000001234', 'grocery_pos', 'ünïcødé']) expect(murmur2(Buffer.from(key))).toBe(kafkajsMurmur2(Buffer.from(key)))
  })

  test('the partition is the positive hash modulo the partition count', () => {
    // Known values of Kafka's Utils.murmur2, as in the Java client's tests.
    expect(murmur2(Buffer.from('21'))).toBe(-973932308)
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482)
    expect(partitionForKey(Buffer.from('21'), 6)).toBe((-973932308 & 0x7fffffff) % 6)
    for (const partitions of [1, 3, 6, 12]) {
      for (let i = 0; i < 100; i++) {
        const key = Buffer.from(`key-${i}`)
        expect(partitionForKey(key, partitions)).toBe((kafkajsMurmur2(key) & 0x7fffffff) % partitions)
      }
    }
  })
})
