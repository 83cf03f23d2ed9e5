// Offsets-only transactions back to back, as an idle exactly-once task commits: the
// coordinator may answer the add-offsets of the next one with CONCURRENT_TRANSACTIONS while it
// still writes the previous one's markers. kafkajs does not retry that; before the retry every
// such answer failed the commit, and the instance closed, wiped and restored all its tasks.
import '../../src/runtime/kafka/kafkajs/kafkajs-corrections.js' // corrects kafkajs before it loads
import { Partitioners } from 'sluice-kafkajs'
import { expect, test } from 'vitest'
import { sendOffsetsRetrying } from '../../src/runtime/kafka/transaction-offsets.js'
import { createTopic, kafka, unique, withAdmin } from './kafka-helpers.js'

test('back-to-back offsets-only transactions all commit', async () => {
  const topic = unique('offsets-only')
  const group = unique('offsets-group')
  await createTopic(topic, 1)
  const producer = kafka.producer({ transactionalId: unique('offsets-txn'), idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  const commits = 60
  try {
    for (let index = 1; index <= commits; index++) {
      const transaction = await producer.transaction()
      await sendOffsetsRetrying(transaction, group, [{ topic, partitions: [{ partition: 0, offset: String(index) }] }])
      await transaction.commit()
    }
  } finally {
    await producer.disconnect()
  }
  const [committed] = await withAdmin((admin) => admin.fetchOffsets({ groupId: group, topics: [topic] }))
  expect(committed.partitions[0].offset).toBe(String(commits))
})
