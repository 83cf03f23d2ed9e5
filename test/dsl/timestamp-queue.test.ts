import { describe, expect, test } from 'vitest'
import { TimestampQueue } from '../../src/dsl/processors/timestamp-queue.js'

describe('TimestampQueue', () => {
  test('takes items oldest first, equal timestamps in insertion order', () => {
    const queue = new TimestampQueue<string>()
    expect(queue.take()).toBeUndefined()
    expect(queue.peekTimestamp()).toBeUndefined()
    const added: [number, string][] = []
    let seed = 7
    for (let i = 0; i < 500; i++) {
      seed = (seed * 48271) % 2147483647
      const timestamp = seed % 50
      added.push([timestamp, `item-${i}`])
      queue.add(timestamp, `item-${i}`)
    }
    expect(queue.size).toBe(500)
    const expected = [...added].sort((a, b) => a[0] - b[0])
    const taken: [number, string][] = []
    while (queue.size > 0) {
      const next = queue.take() as { timestamp: number; item: string }
      taken.push([next.timestamp, next.item])
    }
    expect(taken).toEqual(expected)
  })
})
