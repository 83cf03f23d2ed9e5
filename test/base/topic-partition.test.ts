import { describe, expect, it } from 'vitest'
import { compareTopicPartitions, parseTopicPartitionKey, topicPartitionKey, type TopicPartition } from '../../src/base/topic-partition.js'

describe('topic-partition keys', () => {
  it('are <topic>:<partition>', () => {
    expect(topicPartitionKey({ topic: 'orders', partition: 3 })).toBe('orders:3')
    expect(topicPartitionKey({ topic: 'app-counts-changelog', partition: 10 })).toBe('app-counts-changelog:10')
  })

  it('round-trip, also for topic names with dots, dashes, underscores and digits', () => {
    for (const tp of [
      { topic: 'orders', partition: 0 },
      { topic: 'orders', partition: 10 },
      { topic: 'my.app-store_1-changelog', partition: 2 ** 31 - 1 },
      { topic: '0_1', partition: 5 },
      { topic: '__proto__', partition: 1 },
      { topic: 'a:b', partition: 7 }, // not a legal Kafka name, yet the key is still parsed at its last ':'
    ]) {
      expect(parseTopicPartitionKey(topicPartitionKey(tp))).toEqual(tp)
    }
  })

  it('name the object fields only: a record or a batch is its own topic-partition', () => {
    const batch = { topic: 'in', partition: 4, offset: '17', messages: [] }
    expect(topicPartitionKey(batch)).toBe('in:4')
  })

  it('order by topic, then partition numerically', () => {
    const tps: TopicPartition[] = [
      { topic: 'b', partition: 0 },
      { topic: 'a', partition: 10 },
      { topic: 'a', partition: 2 },
      { topic: 'B', partition: 1 },
      { topic: 'a-x', partition: 0 },
      { topic: 'a', partition: 1 },
    ]
    expect([...tps].sort(compareTopicPartitions).map(topicPartitionKey)).toEqual(['B:1', 'a:1', 'a:2', 'a:10', 'a-x:0', 'b:0'])
    expect(compareTopicPartitions({ topic: 'a', partition: 2 }, { topic: 'a', partition: 10 })).toBeLessThan(0)
    expect(compareTopicPartitions({ topic: 'a', partition: 3 }, { topic: 'a', partition: 3 })).toBe(0)
  })

  it('refuse malformed keys with an error naming them', () => {
    for (const key of ['', 'orders', 'orders:', ':3', 'orders-3', 'orders:x', 'orders:-1', 'orders:03', 'orders:1.5', 'orders: 1', `orders:${'9'.repeat(20)}`]) {
      expect(() => parseTopicPartitionKey(key), key).toThrow(`malformed topic-partition key ${JSON.stringify(key)}`)
    }
  })
})
