import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import { TaskMetrics } from '../../../src/processor/task-metrics.js'
import { MetricsServer } from '../../../src/runtime/metrics/metrics-server.js'
import { StreamsMetrics } from '../../../src/runtime/metrics/streams-metrics.js'
import { SinkMetrics } from '../../../src/sinks/postgres/sink-metrics.js'
import type { StreamsState } from '../../../src/runtime/streams-state.js'

function taskMetrics(processed: number, late = 0, skipped = 0): TaskMetrics {
  const metrics = new TaskMetrics()
  metrics.recordsProcessed = processed
  metrics.lateRecordsDropped = late
  metrics.recordsSkipped = skipped
  return metrics
}

/** The value of one sample line of the exposition, by its name and labels as printed. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('StreamsMetrics', () => {
  const countsCache = { name: 'counts', cacheStats: () => ({ hits: 90, misses: 10, evictions: 3, bytes: 4096 }) }
  const tasks = [
    { taskId: '0_0', metrics: taskMetrics(10, 1), stores: [countsCache] },
    { taskId: '0_1', metrics: taskMetrics(5, 0, 2) },
  ]
  let state: StreamsState = 'RUNNING'
  const metrics = new StreamsMetrics('category-counts', { tasks: () => tasks, closedTasks: () => taskMetrics(7), state: () => state })

  test('task counters are read at scrape time, per task, with the application id, and closed tasks keep their counts', async () => {
    const text = await metrics.text()
    expect(text).toContain('# TYPE sluice_records_processed_total counter')
    expect(sample(text, 'sluice_records_processed_total{task_id="0_0",application_id="category-counts"}')).toBe(10)
    expect(sample(text, 'sluice_records_processed_total{task_id="0_1",application_id="category-counts"}')).toBe(5)
    expect(sample(text, 'sluice_records_processed_total{task_id="closed",application_id="category-counts"}')).toBe(7)
    expect(sample(text, 'sluice_late_records_dropped_total{task_id="0_0",application_id="category-counts"}')).toBe(1)
    expect(sample(text, 'sluice_records_skipped_total{task_id="0_1",application_id="category-counts"}')).toBe(2)
    tasks[0].metrics.recordsProcessed = 12
    expect(sample(await metrics.text(), 'sluice_records_processed_total{task_id="0_0",application_id="category-counts"}')).toBe(12)
    expect(sample(await metrics.text(), 'sluice_active_tasks{application_id="category-counts"}')).toBe(2)
  })

  test("each running task's stores report their write-back cache", async () => {
    const text = await metrics.text()
    expect(text).toContain('# TYPE sluice_store_cache_hits_total counter')
    expect(sample(text, 'sluice_store_cache_hits_total{task_id="0_0",store="counts",application_id="category-counts"}')).toBe(90)
    expect(sample(text, 'sluice_store_cache_misses_total{task_id="0_0",store="counts",application_id="category-counts"}')).toBe(10)
    expect(sample(text, 'sluice_store_cache_evictions_total{task_id="0_0",store="counts",application_id="category-counts"}')).toBe(3)
    expect(sample(text, 'sluice_store_cache_bytes{task_id="0_0",store="counts",application_id="category-counts"}')).toBe(4096)
  })

  test("update-cache bytes are a gauge per running task; the client's errors count by the part that reported them", async () => {
    tasks[1].metrics.updateCacheBytes = 2048
    tasks[1].metrics.recordsProduced = 4
    metrics.clientError('producer')
    metrics.clientError('producer')
    metrics.clientError('consumer')
    const text = await metrics.text()
    expect(text).toContain('# TYPE sluice_update_cache_bytes gauge')
    expect(sample(text, 'sluice_update_cache_bytes{task_id="0_1",application_id="category-counts"}')).toBe(2048)
    expect(sample(text, 'sluice_update_cache_bytes{task_id="0_0",application_id="category-counts"}')).toBe(0)
    expect(sample(text, 'sluice_records_produced_total{task_id="0_1",application_id="category-counts"}')).toBe(4)
    expect(text).toContain('# TYPE sluice_client_errors_total counter')
    expect(sample(text, 'sluice_client_errors_total{client="producer",application_id="category-counts"}')).toBe(2)
    expect(sample(text, 'sluice_client_errors_total{client="consumer",application_id="category-counts"}')).toBe(1)
  })

  test('the state is a gauge set to 1 for the current state only', async () => {
    state = 'STOPPING'
    const text = await metrics.text()
    expect(sample(text, 'sluice_state{state="STOPPING",application_id="category-counts"}')).toBe(1)
    expect(sample(text, 'sluice_state{state="RUNNING",application_id="category-counts"}')).toBe(0)
    state = 'RUNNING'
  })

  test('latencies are histograms in seconds; lag, restore progress and events as recorded', async () => {
    metrics.observeCommit(0.02)
    metrics.observeCommit(3)
    metrics.recordLag('transactions', 3, 120n, 100n)
    metrics.recordLag('transactions', 4, 50n, 50n)
    metrics.restoreProgress(0, 1000)
    metrics.restoreProgress(400, 600)
    metrics.rebalanced()
    metrics.recovered('commit failed')
    metrics.deadLettered()
    const text = await metrics.text()
    expect(text).toContain('# TYPE sluice_commit_latency_seconds histogram')
    expect(sample(text, 'sluice_commit_latency_seconds_count{application_id="category-counts"}')).toBe(2)
    expect(sample(text, 'sluice_commit_latency_seconds_bucket{le="0.025",application_id="category-counts"}')).toBe(1)
    expect(sample(text, 'sluice_commit_latency_seconds_sum{application_id="category-counts"}')).toBeCloseTo(3.02)
    expect(sample(text, 'sluice_records_lag{topic="transactions",partition="3",application_id="category-counts"}')).toBe(20)
    expect(sample(text, 'sluice_records_lag{topic="transactions",partition="4",application_id="category-counts"}')).toBe(0)
    expect(sample(text, 'sluice_restore_remaining_records{application_id="category-counts"}')).toBe(600)
    expect(sample(text, 'sluice_restored_records_total{application_id="category-counts"}')).toBe(400)
    expect(sample(text, 'sluice_rebalances_total{application_id="category-counts"}')).toBe(1)
    expect(sample(text, 'sluice_recoveries_total{reason="commit failed",application_id="category-counts"}')).toBe(1)
    expect(sample(text, 'sluice_dead_letters_total{application_id="category-counts"}')).toBe(1)
    // The usual process metrics come along.
    expect(text).toContain('process_cpu_seconds_total')
    expect(text).toContain('nodejs_heap_size_used_bytes')
    metrics.forgetLag()
    expect(await metrics.text()).not.toContain('sluice_records_lag{')
  })

  test('two applications in one process keep separate metrics', async () => {
    const other = new StreamsMetrics('user-anomaly', { tasks: () => [], closedTasks: () => new TaskMetrics(), state: () => 'CREATED' })
    other.deadLettered()
    expect(sample(await other.text(), 'sluice_dead_letters_total{application_id="user-anomaly"}')).toBe(1)
    expect(sample(await metrics.text(), 'sluice_dead_letters_total{application_id="category-counts"}')).toBe(1)
  })
})

describe('MetricsServer', () => {
  const metrics = new StreamsMetrics('served', { tasks: () => [], closedTasks: () => new TaskMetrics(), state: () => 'RUNNING' })
  let server: MetricsServer | undefined
  afterEach(async () => {
    await server?.close()
  })

  /** node:http rather than fetch: fetch does not let a request name its own Host. */
  function get(url: string, headers: { [name: string]: string } = {}, method = 'GET'): Promise<{ status: number; type: string | undefined; body: string }> {
    return new Promise((resolve, reject) => {
      const outgoing = request(url, { method, headers }, (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') }))
      })
      outgoing.on('error', reject)
      outgoing.end()
    })
  }

  test('serves the Prometheus text at /metrics on loopback, refuses other Host names, other paths and methods', async () => {
    server = new MetricsServer([metrics], { log: () => {} })
    const base = await server.listen('127.0.0.1', 0)
    const answer = await get(`${base}/metrics`)
    expect(answer.status).toBe(200)
    expect(answer.type).toContain('text/plain')
    expect(answer.body).toContain('sluice_state{state="RUNNING",application_id="served"} 1')
    expect((await get(`${base}/metrics`, { host: 'attacker.example' })).status).toBe(403)
    expect((await get(`${base}/other`)).status).toBe(404)
    expect((await get(`${base}/metrics`, {}, 'POST')).status).toBe(405)
  })

  test('serves several sources as one exposition (an application with the sinks beside it)', async () => {
    const sink = new SinkMetrics('fraud-metrics-sink')
    sink.batchWritten('category-counts', 3, 0)
    server = new MetricsServer([metrics, sink], { log: () => {} })
    const answer = await get(`${await server.listen('127.0.0.1', 0)}/metrics`)
    expect(answer.body).toContain('sluice_state{state="RUNNING",application_id="served"} 1')
    expect(answer.body).toContain('sluice_sink_rows_written_total{topic="category-counts",group_id="fraud-metrics-sink"} 3')
  })

  test('with a token, a scrape needs it', async () => {
    server = new MetricsServer([metrics], { log: () => {}, token: 'secret' })
    const base = await server.listen('127.0.0.1', 0)
    expect((await get(`${base}/metrics`)).status).toBe(401)
    expect((await get(`${base}/metrics`, { authorization: 'Bearer secret' })).status).toBe(200)
  })

  test('a port in use fails the listen', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()))
    const { port } = blocker.address() as AddressInfo
    server = new MetricsServer([metrics], { log: () => {} })
    await expect(server.listen('127.0.0.1', port)).rejects.toThrow(/EADDRINUSE/)
    blocker.close()
  })
})
