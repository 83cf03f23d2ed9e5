import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { KafkaStreams, serdes } from 'sluice'
import { benchTransactions } from '../../bench/transactions.js'
import { categoryCounts } from '../../topologies/category-counts.js'
import { BROKERS, createTopic, produce, readTopic, unique, waitFor, withAdmin } from './kafka-helpers.js'

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
      // Every record counted (the output's final counts add up to the input)...
      const countedTotal = async (): Promise<number> => {
        const counted = new Map<string, number>()
        for (const message of await readTopic(output, { readCommitted: true })) {
          const key = serdes.windowed(serdes.string()).deserialize(output, message.key)
          counted.set(`${key.key}@${key.window.start}`, serdes.long().deserialize(output, message.value))
        }
        return [...counted.values()].reduce((sum, count) => sum + count, 0)
      }
      await waitFor(async () => (await countedTotal()) === RECORDS, 120_000, 'every record to be counted')
      // ...then every repartition record is deleted: each partition's low watermark reaches
      // the group's committed offset, which is past every record.
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
      expect(await countedTotal()).toBe(RECORDS)
    } finally {
      await streams.close()
      await rm(stateDir, { recursive: true, force: true })
    }
    expect(streams.error).toBeUndefined()
  })
})
