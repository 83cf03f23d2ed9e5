import { createRequire } from 'node:module'
import { expect, test } from 'vitest'
import 'sluice'
import { filterAbortedMessages } from '../../src/runtime/kafka/kafkajs/kafkajs-aborted-filter.js'
import { createTopic, kafka, unique, withAdmin } from './kafka-helpers.js'

test('kafkajs uses the corrected aborted-transaction filter', () => {
  const require = createRequire(import.meta.url)
  expect(require('sluice-kafkajs/src/consumer/filterAbortedMessages.js')).toBe(filterAbortedMessages)
})

test('a read-committed consumer starting at the first offset of an aborted transaction sees none of it', async () => {
  const topic = unique('aborted')
  await createTopic(topic, 1)
  // Two producers' transactions interleave and are both aborted: A starts first, B at offset 2.
  const producers = await Promise.all(['a', 'b'].map(async (name) => {
    const producer = kafka.producer({ transactionalId: `${topic}-${name}`, idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    return producer
  }))
  const [a, b] = await Promise.all(producers.map((producer) => producer.transaction()))
  await a.send({ topic, messages: [{ value: 'a1' }, { value: 'a2' }] })
  await b.send({ topic, messages: [{ value: 'b1' }, { value: 'b2' }] })
  await a.send({ topic, messages: [{ value: 'a3' }] })
  await a.abort()
  await b.abort()
  const plain = kafka.producer()
  await plain.connect()
  await plain.send({ topic, messages: [{ value: 'committed' }] })
  await Promise.all([...producers, plain].map((producer) => producer.disconnect()))

  // A group whose committed position is B's first record (offset 2), as a task's new owner would have.
  const groupId = `${topic}-reader`
  await withAdmin((admin) => admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '2' }] }))
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100 })
  const seen: string[] = []
  await consumer.connect()
  await consumer.subscribe({ topic })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out; saw ${seen.join(',')}`)), 30_000)
    consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(String(message.value))
        if (String(message.value) === 'committed') {
          clearTimeout(timer)
          resolve()
        }
      },
    }).catch(reject)
  })
  await consumer.disconnect()
  expect(seen).toEqual(['committed'])
})
