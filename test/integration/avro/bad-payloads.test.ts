import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { DEAD_LETTER_HEADERS, DeserializationError, defineTopology, KafkaStreams, serdes } from 'sluice'
import { TopologyTestDriver } from 'sluice/testing'
import type { Transaction } from '../../../topologies/transaction.js'
import { avroTransaction } from '../../../topologies/avro/schemas.js'
import { BROKERS, createTopic, produce, readTopic } from '../kafka-helpers.js'
import { runName, tx } from './helpers.js'

/** Amounts per card: reads Avro transactions, writes doubles. */
function amounts(applicationId: string, input: string, output: string) {
  return defineTopology({ applicationId }, (b) => {
    b.stream(input, { key: serdes.string(), value: avroTransaction<Transaction>('transaction-v1.avsc') })
      .mapValues((transaction) => transaction.amt)
      .to(output, { key: serdes.string(), value: serdes.double() })
  })
}

interface BadPayload {
  readonly name: string
  readonly value: Buffer
  readonly reason: RegExp
}

describe('bad Avro payloads', () => {
  const input = runName('avro-bad-in')
  let good: Buffer
  let bad: BadPayload[]

  beforeAll(async () => {
    const serde = avroTransaction('transaction-v1.avsc')
    await serde.prepare?.(input, [])
    good = serde.serialize(input, tx({ amt: 42 })) as Buffer
    const unknownId = Buffer.from(good)
    unknownId.writeUInt32BE(2_000_000_000, 1)
    const wrongMagic = Buffer.from(good)
    wrongMagic[0] = 7
    bad = [
      { name: 'unknown schema id', value: unknownId, reason: /unknown schema id 2000000000: the schema registry at \S+ has no schema with this id/ },
      { name: 'wrong magic byte', value: wrongMagic, reason: /unknown magic byte 7 \(expected 0, the Confluent wire format\)/ },
      { name: 'truncated body', value: good.subarray(0, good.length - 6), reason: /the Avro body \(\d+ bytes\) does not decode with writer schema id \d+: truncated buffer/ },
      { name: 'truncated header', value: good.subarray(0, 3), reason: /payload of 3 byte\(s\) is too short for the Confluent wire format/ },
    ]
  })

  test('each fails the task with a DeserializationError naming the position and the reason', async () => {
    const driver = await TopologyTestDriver.create(amounts(runName('avro-bad'), input, runName('avro-bad-out')))
    try {
      const topic = driver.createInputTopic(input, serdes.bytes(), serdes.bytes())
      for (const [offset, payload] of bad.entries()) {
        const failure = await topic.pipeRaw([{ key: Buffer.from('card'), value: payload.value }]).catch((error: unknown) => error)
        expect(failure, payload.name).toBeInstanceOf(DeserializationError)
        expect((failure as DeserializationError).message, payload.name).toMatch(new RegExp(`^Cannot deserialize the value of the record at topic ${input}, partition 0, offset ${offset}: ${payload.reason.source}`))
      }
    } finally {
      await driver.close()
    }
  })

  describe('on Kafka with a dead-letter topic', () => {
    const applicationId = runName('avro-dlq')
    const output = `${applicationId}-out`
    const deadLetters = `${applicationId}-dlq`
    const kafkaInput = `${applicationId}-in`
    const stateDir = join(tmpdir(), `${applicationId}-state`)

    afterAll(async () => {
      await rm(stateDir, { recursive: true, force: true })
    })

    test('the bad records go to the dead-letter topic with their raw bytes and the reason in headers; the good ones are processed', async () => {
      await createTopic(kafkaInput, 1)
      await createTopic(output, 1)
      const serde = avroTransaction('transaction-v1.avsc')
      await serde.prepare?.(kafkaInput, [])
      const goodAfter = serde.serialize(kafkaInput, tx({ amt: 7 })) as Buffer
      await produce(kafkaInput, [
        { key: 'card', value: good },
        ...bad.map((payload) => ({ key: 'card', value: payload.value })),
        { key: 'card', value: goodAfter },
      ])
      const streams = new KafkaStreams(amounts(applicationId, kafkaInput, output), { brokers: BROKERS, stateDir, deadLetterTopic: deadLetters, commitIntervalMs: 200, log: () => {} })
      await streams.start()
      try {
        const processed = await readTopic(output, { done: (messages) => messages.length >= 2, timeoutMs: 60_000 })
        expect(processed.map((message) => message.value?.readDoubleBE(0))).toEqual([42, 7])
        const dead = await readTopic(deadLetters, { done: (messages) => messages.length >= bad.length, timeoutMs: 60_000 })
        expect(dead).toHaveLength(bad.length)
        for (const [index, payload] of bad.entries()) {
          const record = dead[index]
          const header = (name: string): string | undefined => record.headers?.[name]?.toString()
          expect(record.value, payload.name).toEqual(payload.value)
          expect(header(DEAD_LETTER_HEADERS.errorClass), payload.name).toBe('DeserializationError')
          expect(header(DEAD_LETTER_HEADERS.topic), payload.name).toBe(kafkaInput)
          expect(header(DEAD_LETTER_HEADERS.partition), payload.name).toBe('0')
          expect(header(DEAD_LETTER_HEADERS.offset), payload.name).toBe(String(index + 1))
          expect(header(DEAD_LETTER_HEADERS.error), payload.name).toMatch(payload.reason)
        }
      } finally {
        await streams.close()
      }
      expect(streams.error).toBeUndefined()
    })
  })
})
