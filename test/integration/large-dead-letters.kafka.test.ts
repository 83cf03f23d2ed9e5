import '../../src/runtime/kafka/kafkajs/kafkajs-corrections.js' // corrects kafkajs before it loads
import { createHash } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { DEAD_LETTER_HEADERS, KafkaStreams, serdes } from 'sluice'
import type { ConfigResourceTypes } from 'sluice-kafkajs'
import { benchTransactions } from '../../bench/transactions.js'
import { categoryCounts } from '../../topologies/category-counts.js'
import { BROKERS, groupLag, produce, readTopic, retrying, unique, waitFor, withAdmin } from './kafka-helpers.js'

const MiB = 1024 * 1024
/** Room for the 5 MB record on the input topic: the broker's default (~1 MiB) would refuse it. */
const INPUT_MAX_MESSAGE_BYTES = 8 * MiB
const TOPIC_RESOURCE = 2 as ConfigResourceTypes
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

async function maxMessageBytes(topic: string): Promise<number> {
  const { resources } = await withAdmin((admin) => admin.describeConfigs({ resources: [{ type: TOPIC_RESOURCE, name: topic, configNames: ['max.message.bytes'] }], includeSynonyms: false }))
  return Number(resources[0].configEntries.find((entry) => entry.configName === 'max.message.bytes')?.configValue)
}

describe('dead letters the broker would refuse', () => {
  test('a 5 MB undecodable record goes to the dead-letter topic as a stub; the application keeps RUNNING and counts every other record', async () => {
    const applicationId = unique('big-dlq')
    const input = `${applicationId}-transactions`
    const output = `${applicationId}-counts`
    const deadLetters = `${applicationId}-dlq`
    const stateDir = join(tmpdir(), `${applicationId}-state`)
    await retrying(`creating ${input}`, () =>
      withAdmin(async (admin) => {
        await admin.createTopics({
          topics: [{ topic: input, numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '-1' }, { name: 'max.message.bytes', value: String(INPUT_MAX_MESSAGE_BYTES) }] }],
          waitForLeaders: true,
        })
      }),
    )
    const records = [...benchTransactions(3_000, 11)].map(({ key, value }) => ({ key, value: JSON.stringify(value), unixTime: value.unix_time, category: value.category }))
    // Not JSON: a string that never ends. First in partition 1, so at offset 0 there.
    const poison = Buffer.concat([Buffer.from('{"category": "'), Buffer.alloc(5_000_000, 'x')])
    await produce(input, [{ key: 'poison', value: poison, partition: 1 }])
    await produce(input, records)

    const streams = new KafkaStreams(categoryCounts({ applicationId, inputTopic: input, outputTopic: output, grace: '30d' }), {
      brokers: BROKERS,
      stateDir,
      deadLetterTopic: deadLetters,
      log: () => {},
    })
    await streams.start()
    try {
      // Before the fix the dead letter was refused ("larger than the max message size"): ERROR, nothing committed.
      const stopped = streams.whenStopped().then(() => Promise.reject(new Error(`the application stopped: ${streams.error?.message}`)))
      await Promise.race([waitFor(async () => (await groupLag(applicationId, [input, `${applicationId}-transactions-by-category-repartition`])) === 0, 180_000, 'everything consumed'), stopped])
      expect(streams.state).toBe('RUNNING')

      // Created by Sluice with room for what its sources take, as is the repartition topic.
      expect(await maxMessageBytes(deadLetters)).toBeGreaterThanOrEqual(INPUT_MAX_MESSAGE_BYTES)
      expect(await maxMessageBytes(`${applicationId}-transactions-by-category-repartition`)).toBeGreaterThanOrEqual(INPUT_MAX_MESSAGE_BYTES)

      const dead = await readTopic(deadLetters, { done: (messages) => messages.length >= 1 })
      expect(dead).toHaveLength(1)
      const stub = dead[0]
      const header = (name: string) => stub.headers?.[name]?.toString()
      // Cut to what one produce request carries (4 MiB), less the margin.
      expect(stub.value?.length).toBeGreaterThan(3 * MiB)
      expect(stub.value?.length).toBeLessThan(4 * MiB)
      expect(poison.subarray(0, stub.value?.length)).toEqual(stub.value)
      expect(stub.key?.toString()).toBe('poison')
      expect(header(DEAD_LETTER_HEADERS.truncated)).toBe('value')
      expect(header(DEAD_LETTER_HEADERS.valueBytes)).toBe(String(poison.length))
      expect(header(DEAD_LETTER_HEADERS.valueSha256)).toBe(sha256(poison))
      expect(header(DEAD_LETTER_HEADERS.keyBytes)).toBe('6')
      expect(header(DEAD_LETTER_HEADERS.keySha256)).toBe(sha256(Buffer.from('poison')))
      expect(header(DEAD_LETTER_HEADERS.errorClass)).toBe('DeserializationError')
      expect(header(DEAD_LETTER_HEADERS.error)).toMatch(/^Cannot deserialize the value of the record at topic .*, partition 1, offset 0: /)
      expect([header(DEAD_LETTER_HEADERS.topic), header(DEAD_LETTER_HEADERS.partition), header(DEAD_LETTER_HEADERS.offset)]).toEqual([input, '1', '0'])

      // input = processed + dead-lettered
      const counts = new Map<string, number>()
      const windowed = serdes.windowed(serdes.string())
      for (const message of await readTopic(output)) {
        const key = windowed.deserialize(output, message.key)
        counts.set(`${key.key}@${key.window.start}`, serdes.long().deserialize(output, message.value))
      }
      const processed = [...counts.values()].reduce((sum, count) => sum + count, 0)
      expect(processed).toBe(records.length)
      expect(processed + dead.length).toBe(records.length + 1)
      expect(streams.metrics().recordsSkipped).toBe(1)
    } finally {
      await streams.close()
      await rm(stateDir, { recursive: true, force: true })
    }
    expect(streams.state).toBe('STOPPED')
  })
})
