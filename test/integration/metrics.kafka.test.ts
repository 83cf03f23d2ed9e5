// /metrics of a running application on Kafka: the processed count reaches the input count and
// the lag of every input partition reaches 0, in the Prometheus text format a scraper reads.
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { KafkaStreams } from 'sluice'
import { wordCounts } from './fixtures/word-counts-under-test.js'
import { BROKERS, createTopic, produce, unique, waitFor } from './kafka-helpers.js'
import { metricTotal as total } from './metrics-text.js'

test('a running application serves /metrics: records processed reach the input, lag reaches 0', async () => {
  const applicationId = unique('metrics-words')
  const input = `${applicationId}-input`
  const output = `${applicationId}-counts`
  const stateDir = join(tmpdir(), `${applicationId}-state`)
  await createTopic(input, 3)
  await createTopic(output, 3)
  const records = 900
  await produce(input, Array.from({ length: records }, (_, index) => ({ key: `word-${index % 45}`, value: `word-${index % 45}` })))
  const streams = new KafkaStreams(wordCounts(applicationId, input, output), { brokers: BROKERS, stateDir, metricsPort: 0, log: () => undefined })
  try {
    await streams.start()
    const url = streams.metricsUrl
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
    let text = ''
    await waitFor(
      async () => {
        text = await (await fetch(url ?? '')).text()
        return total(text, 'sluice_records_processed_total') === records && total(text, 'sluice_records_lag', { topic: input }) === 0
      },
      60_000,
      'the processed count to reach the input and the lag 0',
    )
    // Every input partition was fetched and reports its lag.
    for (const partition of ['0', '1', '2']) expect(text).toMatch(new RegExp(`sluice_records_lag\\{topic="${input}",partition="${partition}",application_id="${applicationId}"\\} 0`))
    expect(total(text, 'sluice_state', { state: 'RUNNING' })).toBe(1)
    expect(total(text, 'sluice_active_tasks')).toBe(3)
    expect(total(text, 'sluice_process_latency_seconds_count')).toBeGreaterThan(0)
    expect(total(text, 'sluice_rebalances_total')).toBeGreaterThanOrEqual(1)
    // The count reads each of the 45 words' counts once per record: the first read of each misses.
    const storeLabels = { store: 'word-counts' }
    expect(total(text, 'sluice_store_cache_misses_total', storeLabels)).toBeGreaterThanOrEqual(45)
    expect(total(text, 'sluice_store_cache_hits_total', storeLabels) + total(text, 'sluice_store_cache_misses_total', storeLabels)).toBeGreaterThanOrEqual(records)
    await waitFor(async () => total(await (await fetch(url ?? '')).text(), 'sluice_commit_latency_seconds_count') > 0, 30_000, 'a commit to be timed')
    expect(await streams.prometheusMetrics()).toContain('# TYPE sluice_records_processed_total counter')
  } finally {
    await streams.close()
    await rm(stateDir, { recursive: true, force: true })
  }
  expect(streams.metricsUrl).toBeDefined()
  await expect(fetch(streams.metricsUrl ?? '')).rejects.toThrow()
})
