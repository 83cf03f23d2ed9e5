import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { KafkaStreams, serdes } from 'sluice'
import { benchTransactions } from '../../bench/transactions.js'
import { categoryCounts } from '../../topologies/category-counts.js'
import { BROKERS, createTopic, groupLag, produce, readTopic, unique, waitFor, withAdmin } from './kafka-helpers.js'

const RECORDS = 6_000

describe.each(['at_least_once', 'exactly_once'] as const)('repartition topics under %s', (guarantee) => {
  test('records the application has committed are deleted from its repartition topic; counts stay complete', async () => {
    const applicationId = unique('purge')
    const input = `${applicationId}-in`
    const output = `${applicationId}-out`
    const repartition = `${applicationId}-transactions-by-category-repartition`
    const stateDir = join(tmpdir(), applicationId)
    await createTopic(input, 3)
    await createTopic(output, 3)
    const records = [...benchTransactions(RECORDS, 7)]
    await produce(input, records.map(({ key, value }) => ({ key, value: JSON.stringify(value) })))
    const streams = new KafkaStreams(categoryCounts({ applicationId, inputTopic: input, outputTopic: output, grace: '30d' }), {
      brokers: BROKERS,
      stateDir,
      processingGuarantee: guarantee,
      purgeIntervalMs: 0,
      log: () => {},
    })
    await streams.start()
    try {
      await waitFor(async () => (await groupLag(applicationId, [input])) === 0, 120_000, 'the input to be consumed')
      // Every repartition record is consumed and committed, then deleted: the low watermark
      // of each partition reaches the group's committed offset, which is past every record.
      await waitFor(
        () =>
          withAdmin(async (admin) => {
            const ends = await admin.fetchTopicOffsets(repartition)
            const [committed] = await admin.fetchOffsets({ groupId: applicationId, topics: [repartition] })
            const written = ends.reduce((sum, end) => sum + Number(end.high), 0)
            return written >= RECORDS && ends.every((end) => Number(end.low) > 0 && end.low === committed.partitions.find((entry) => entry.partition === end.partition)?.offset)
          }),
        60_000,
        `${repartition} to be purged up to the committed offsets`,
      )
      const counted = new Map<string, number>()
      for (const message of await readTopic(output, { readCommitted: true })) {
        const key = serdes.windowed(serdes.string()).deserialize(output, message.key)
        counted.set(`${key.key}@${key.window.start}`, serdes.long().deserialize(output, message.value))
      }
      expect([...counted.values()].reduce((sum, count) => sum + count, 0)).toBe(RECORDS)
    } finally {
      await streams.close()
      await rm(stateDir, { recursive: true, force: true })
    }
    expect(streams.error).toBeUndefined()
  })
})
