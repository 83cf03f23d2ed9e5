import { createRequire } from 'node:module'
import { expect, test } from 'vitest'
import 'sluice'
import { groupMessagesPerPartition } from '../../src/runtime/kafka/kafkajs/kafkajs-message-grouping.js'
import { createTopic, kafka, readTopic, unique } from './kafka-helpers.js'

test('kafkajs uses the one-pass message grouping', () => {
  const require = createRequire(import.meta.url)
  expect(require('sluice-kafkajs/src/producer/groupMessagesPerPartition.js')).toBe(groupMessagesPerPartition)
})

test('messages are grouped per partition, in their order, as kafkajs groups them', () => {
  const messages = Array.from({ length: 10 }, (_, i) => ({ value: `m${i}`, partition: i % 3 === 0 ? 2 : i % 2 }))
  const grouped = groupMessagesPerPartition({ topic: 't', partitionMetadata: [{}, {}, {}], messages, partitioner: ({ message }) => message.partition })
  expect(grouped).toEqual({
    0: [messages[2], messages[4], messages[8]],
    1: [messages[1], messages[5], messages[7]],
    2: [messages[0], messages[3], messages[6], messages[9]],
  })
  expect(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages, partitioner: () => 0 })).toEqual({})
})

test('one send of many records to two partitions arrives complete and in order', async () => {
  const topic = unique('grouping')
  await createTopic(topic, 2)
  const messages = Array.from({ length: 20_000 }, (_, i) => ({ value: `${i % 2}:${i}`, partition: i % 2 }))
  const producer = kafka.producer()
  await producer.connect()
  try {
    await producer.send({ topic, messages, acks: -1 })
  } finally {
    await producer.disconnect()
  }
  const read = (await readTopic(topic)).map((message) => message.value?.toString() ?? '')
  expect(read).toHaveLength(messages.length)
  for (const partition of ['0', '1']) {
    expect(read.filter((value) => value.startsWith(`${partition}:`))).toEqual(messages.map((message) => message.value).filter((value) => value.startsWith(`${partition}:`)))
  }
})
