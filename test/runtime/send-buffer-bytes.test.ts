import { describe, expect, test } from 'vitest'
import { BackgroundSender } from '../../src/runtime/kafka/background-sender.js'
import { BufferedCollector, type BatchSender } from '../../src/runtime/kafka/buffered-collector.js'
import { MAX_BUFFERED_RECORDS, sendBufferFull } from '../../src/runtime/send-buffer-bound.js'
import type { OutgoingRecord } from '../../src/runtime/wire-records.js'

const MiB = 1024 * 1024

/** A producer whose requests wait until the test acknowledges or fails them. */
class ManualProducer implements BatchSender {
  readonly pending: { records: number; ack: () => void; fail: (error: Error) => void }[] = []

  sendBatch: BatchSender['sendBatch'] = (batch) =>
    new Promise((resolve, reject) => {
      const records = (batch.topicMessages ?? []).reduce((sum, { messages }) => sum + messages.length, 0)
      this.pending.push({ records, ack: () => resolve([]), fail: reject })
    })
}

const record = (bytes: number, key = 'k'): OutgoingRecord => ({ topic: 'out', partition: 0, key: Buffer.from(key), value: Buffer.alloc(bytes), timestamp: 0, headers: {} })

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve))
  expect(condition()).toBe(true)
}

describe('the send buffer is bounded in bytes', () => {
  test('the background sender counts the bytes given and not yet acknowledged, queued or in flight', async () => {
    const producer = new ManualProducer()
    const sender = new BackgroundSender(producer, { minSendBytes: 2 * MiB })
    sender.send(record(MiB))
    expect(sender.bytes).toBeGreaterThanOrEqual(MiB)
    expect(producer.pending).toHaveLength(0)
    // Past minSendBytes the sender starts sending; the records count until acknowledged.
    sender.send(record(MiB))
    await until(() => producer.pending.length === 1)
    const inFlight = sender.bytes
    expect(inFlight).toBeGreaterThanOrEqual(2 * MiB)
    sender.send(record(MiB))
    expect(sender.bytes).toBeGreaterThan(inFlight + MiB - 1)
    // One request carries at most 896 KiB per partition beyond its first record: 1 MiB records go one by one.
    producer.pending[0].ack()
    await until(() => producer.pending.length === 2)
    expect(sender.bytes).toBeLessThan(inFlight + MiB)
    producer.pending[1].ack()
    // The third waits for the next request's worth, or the commit's flush.
    await until(() => sender.bytes < 2 * MiB)
    expect(sender.bytes).toBeGreaterThanOrEqual(MiB)
    const flushed = sender.flush()
    await until(() => producer.pending.length === 3)
    producer.pending[2].ack()
    await flushed
    expect(sender.bytes).toBe(0)
    expect(sender.size).toBe(0)
  })

  test('a failed request and a reset forget the bytes, as they forget the records', async () => {
    const producer = new ManualProducer()
    const sender = new BackgroundSender(producer, { minSendBytes: 1 })
    sender.send(record(MiB))
    sender.send(record(MiB))
    await until(() => producer.pending.length === 1)
    producer.pending[0].fail(new Error('broker said no'))
    await expect(sender.flush()).rejects.toThrow('broker said no')
    expect(sender.bytes).toBe(0)
    sender.reset()
    sender.send(record(10))
    expect(sender.bytes).toBeGreaterThan(10)
    sender.reset()
    expect(sender.bytes).toBe(0)
    // The request in flight at the reset still completes; settled() waits for it.
    await until(() => producer.pending.length === 2)
    producer.pending[1].ack()
    await sender.settled()
    expect(sender.bytes).toBe(0)
  })

  test('exactly-once: the collector counts what it holds for the transaction until drained', () => {
    const collector = new BufferedCollector(() => new Map())
    collector.send(record(MiB))
    collector.send({ ...record(100), headers: { trace: 'abcdef' } })
    expect(collector.bytes).toBeGreaterThanOrEqual(MiB + 100 + 'trace'.length + 6)
    expect(collector.bytes).toBeLessThan(MiB + 1024)
    expect(collector.drain()).toHaveLength(2)
    expect(collector.bytes).toBe(0)
  })

  test('the next batch commits early once the buffers hold the bound in bytes, or 50 000 records, in all', () => {
    expect(sendBufferFull([{ size: 3, bytes: 10 * MiB }, undefined, { size: 1, bytes: 10 * MiB }], 32 * MiB)).toBe(false)
    expect(sendBufferFull([{ size: 3, bytes: 20 * MiB }, { size: 1, bytes: 12 * MiB }], 32 * MiB)).toBe(true)
    expect(sendBufferFull([{ size: MAX_BUFFERED_RECORDS, bytes: 1 }], 32 * MiB)).toBe(true)
  })
})
