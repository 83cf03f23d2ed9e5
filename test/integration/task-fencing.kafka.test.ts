// At-least-once under a zombie: a member paused past its session (SIGSTOP, a long GC) may still
// have a send under way when it resumes, after its task's new owner has written newer counts.
// No membership check on the zombie's side can stop bytes already handed to the socket; the
// task's transactional producer can: the new owner's producer fences the old one, and the
// broker refuses what the zombie sends from then on. (At-least-once used one idempotent
// producer per instance before: the zombie's late write landed after the owner's, and the long
// fault schedule's at-least-once seed 1 read 384 for a window of 669.)
import '../../src/runtime/kafka/kafkajs/kafkajs-corrections.js' // corrects kafkajs before it loads
import type { ProducerBatch } from 'sluice-kafkajs'
import { expect, test } from 'vitest'
import { BackgroundSender } from '../../src/runtime/kafka/background-sender.js'
import { createTaskProducer } from '../../src/runtime/kafka/task-producer.js'
import { TaskTransaction } from '../../src/runtime/kafka/task-transaction.js'
import { createTopic, kafka, readTopic, unique } from './kafka-helpers.js'

const count = (topic: string, value: string): ProducerBatch => ({ topicMessages: [{ topic, messages: [{ key: 'window-1', value, partition: 0 }] }], acks: -1 })

async function lastValue(topic: string): Promise<string | undefined> {
  const messages = await readTopic(topic, { readCommitted: true })
  return messages.length === 0 ? undefined : String(messages[messages.length - 1].value)
}

test('a zombie task producer cannot write after the new owner fenced it', async () => {
  const topic = unique('fenced-counts')
  const transactionalId = unique('fenced-task')
  await createTopic(topic, 1)
  const zombie = await createTaskProducer(kafka, transactionalId, 1000)
  const zombieTransaction = new TaskTransaction(zombie)
  try {
    // The zombie counted to 1 in its open transaction, then stopped.
    await zombieTransaction.sendBatch(count(topic, '1'))
    // The new owner takes the task (fencing the zombie), counts on to 2 and commits.
    const owner = await createTaskProducer(kafka, transactionalId, 1000)
    const ownerTransaction = new TaskTransaction(owner)
    await ownerTransaction.sendBatch(count(topic, '2'))
    await ownerTransaction.commit()
    await owner.disconnect()
    // The zombie resumes: its send is refused, and the sender that made it stops sending.
    const sender = new BackgroundSender(zombieTransaction, { minSendBytes: 0 })
    sender.send({ topic, partition: 0, key: Buffer.from('window-1'), value: Buffer.from('1'), timestamp: Date.now(), headers: {} })
    await expect(sender.flush()).rejects.toThrow()
    await expect(zombieTransaction.commit()).rejects.toThrow()
  } finally {
    await zombieTransaction.abort()
    await zombie.disconnect()
  }
  expect(await lastValue(topic)).toBe('2')
  // Readers that see uncommitted records (at-least-once restores, repartition readers) see the
  // zombie's aborted count only before the owner's, never after it.
  const all = (await readTopic(topic)).map((message) => String(message.value))
  expect(all[all.length - 1]).toBe('2')
})
