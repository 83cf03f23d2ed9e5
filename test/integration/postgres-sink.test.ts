import { execFileSync } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, describe, expect, test } from 'vitest'
import { createTopic, groupLag, produce, SluiceProcess, waitFor } from './kafka-helpers.js'
import {
  metricsIn as metricsInTable,
  PIPELINE_SINK,
  PIPELINE_TOPOLOGY,
  pipelineEnv as pipelineEnvFor,
  pipelineNames,
  pipelineTransactions,
  referenceCounts,
  sleep,
  updatesIn as updatesInTable,
  type PipelineNames,
} from './pipeline-helpers.js'

const TOPOLOGY = PIPELINE_TOPOLOGY
const SINK = PIPELINE_SINK
const SERVICES = fileURLToPath(new URL('../../scripts/services.sh', import.meta.url))
const PG_URL = process.env.SLUICE_PG_URL ?? 'postgres://sluice:sluice@127.0.0.1:5432/sluice'
const pool = new pg.Pool({ connectionString: PG_URL, max: 2 })
pool.on('error', () => undefined)
afterAll(() => pool.end())

/** `npm run test:crash` runs the full form; `npm test` a shortened one. */
const RECORDS = Number(process.env.CRASH_RECORDS ?? 20_000)
const KILLS = Number(process.env.CRASH_KILLS ?? 2)
/** How long the pipeline may take to catch up after the last kill. */
const CATCH_UP_MS = Number(process.env.CRASH_CATCH_UP_MS ?? 240_000)

const names = pipelineNames
const pipelineEnv = (run: PipelineNames, guarantee: string, extra: { [name: string]: string } = {}) => pipelineEnvFor(run, guarantee, PG_URL, extra)
const transactions = pipelineTransactions
const reference = referenceCounts
const metricsIn = (table: string) => metricsInTable(pool, table)
const updatesIn = (table: string) => updatesInTable(pool, table)

/** Seeded, so a failing run can be repeated. */
function delays(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31
    return 500 + (state % 2500)
  }
}

describe.each(['exactly_once', 'at_least_once'] as const)('crash test, %s: topology and sink killed with -9 again and again', (guarantee) => {
  test(`${RECORDS} transactions, ${KILLS} kills of each process`, async () => {
    const run = names(guarantee)
    await createTopic(run.input, 6)
    await createTopic(run.output, 6)
    const records = transactions(RECORDS, 11)
    await produce(run.input, records)
    const env = pipelineEnv(run, guarantee, { SLUICE_STATE_DIR: run.stateDir })
    const next = delays(guarantee === 'exactly_once' ? 7 : 8)
    let topology = new SluiceProcess(TOPOLOGY, env)
    let sink = SluiceProcess.sink(SINK, env)
    try {
      for (let kill = 0; kill < KILLS; kill++) {
        await sleep(next())
        topology.kill('SIGKILL')
        await topology.exited
        topology = new SluiceProcess(TOPOLOGY, env)
        await sleep(next())
        sink.kill('SIGKILL')
        await sink.exited
        sink = SluiceProcess.sink(SINK, env)
      }
      // What the tables and lags show may all be the killed predecessors' work: the current sink must be up too.
      await sink.waitForOutput(/writing/, CATCH_UP_MS)
      const expected = reference(records)
      if (guarantee === 'exactly_once') {
        // Exactly once: fraud_metrics equals the reference, and every update row is there once.
        await waitFor(async () => (await updatesIn(run.updates)).rows >= records.length && (await metricsIn(run.metrics)).size === expected.size, CATCH_UP_MS, 'the sink to catch up')
        await sleep(2000)
        expect(await metricsIn(run.metrics)).toEqual(expected)
        expect(await updatesIn(run.updates)).toEqual({ rows: records.length, distinct: records.length })
      } else {
        // At least once: nothing lost (every update of every window present), repeats allowed.
        // Repeats can add update rows, so "caught up" means: both groups consumed everything.
        const repartition = `${run.applicationId}-transactions-by-category-repartition`
        await waitFor(async () => (await groupLag(run.applicationId, [run.input, repartition])) === 0, CATCH_UP_MS, 'the topology to catch up')
        await waitFor(async () => (await groupLag(`${run.applicationId}-sink`, [run.output])) === 0, CATCH_UP_MS, 'the sink to catch up')
        const metrics = await metricsIn(run.metrics)
        expect([...metrics.keys()].sort()).toEqual([...expected.keys()].sort())
        for (const [window, count] of expected) expect(metrics.get(window), window).toBeGreaterThanOrEqual(count)
        expect((await updatesIn(run.updates)).distinct).toBeGreaterThanOrEqual(records.length)
      }
    } finally {
      topology.kill('SIGTERM')
      sink.kill('SIGTERM')
      expect(await topology.exited, topology.output.join('')).toBe(0)
      expect(await sink.exited, sink.output.join('')).toBe(0)
      await rm(run.stateDir, { recursive: true, force: true })
    }
  }, CATCH_UP_MS + 200_000)
})

describe('exactly-once against zombies and a PostgreSQL restart', () => {
  test('a paused process resumed after another took its tasks: nothing it writes becomes visible', async () => {
    const run = names('exactly_once')
    await createTopic(run.input, 2)
    await createTopic(run.output, 6)
    const records = transactions(12_000, 12)
    const env = pipelineEnv(run, 'exactly_once', { SLUICE_SESSION_TIMEOUT_MS: '6000' })
    const zombie = new SluiceProcess(TOPOLOGY, { ...env, SLUICE_STATE_DIR: `${run.stateDir}/zombie` })
    const sink = SluiceProcess.sink(SINK, env)
    let successor: SluiceProcess | undefined
    try {
      await produce(run.input, records.slice(0, 4000))
      await zombie.waitForOutput(/running tasks/)
      await waitFor(async () => (await updatesIn(run.updates).catch(() => ({ rows: 0 }))).rows > 0, 60_000, 'first rows')
      zombie.kill('SIGSTOP')
      await produce(run.input, records.slice(4000, 8000))
      successor = new SluiceProcess(TOPOLOGY, { ...env, SLUICE_STATE_DIR: `${run.stateDir}/successor` })
      await successor.waitForOutput(/running tasks/, 90_000)
      await produce(run.input, records.slice(8000))
      await sleep(3000)
      zombie.kill('SIGCONT')
      await waitFor(async () => (await updatesIn(run.updates)).rows >= records.length, 180_000, 'the sink to catch up')
      await sleep(3000)
      expect(await metricsIn(run.metrics)).toEqual(reference(records))
      expect(await updatesIn(run.updates)).toEqual({ rows: records.length, distinct: records.length })
      // The successor did take the zombie's tasks over.
      expect(zombie.output.join('')).toMatch(/revoked|transaction failed/)
    } finally {
      zombie.kill('SIGCONT')
      for (const process of [zombie, successor, sink]) process?.kill('SIGTERM')
      await Promise.all([zombie.exited, successor?.exited, sink.exited])
      await rm(run.stateDir, { recursive: true, force: true })
    }
  })

  test('PostgreSQL restarted while the sink writes: no loss, no duplicate', async () => {
    const run = names('exactly_once')
    await createTopic(run.input, 3)
    await createTopic(run.output, 6)
    const records = transactions(15_000, 13)
    const env = pipelineEnv(run, 'exactly_once', { SLUICE_STATE_DIR: run.stateDir })
    const topology = new SluiceProcess(TOPOLOGY, env)
    const sink = SluiceProcess.sink(SINK, env)
    try {
      await produce(run.input, records.slice(0, 7500))
      await waitFor(async () => (await updatesIn(run.updates).catch(() => ({ rows: 0 }))).rows > 0, 60_000, 'first rows')
      execFileSync('bash', [SERVICES, 'down', 'postgres'], { stdio: 'ignore' })
      // Only a PostgreSQL that scripts/services.sh started can be restarted by this test.
      expect(await pool.query('SELECT 1').then(() => 'up', () => 'down'), 'PostgreSQL must be the one scripts/services.sh manages').toBe('down')
      await produce(run.input, records.slice(7500))
      await sleep(3000)
      execFileSync('bash', [SERVICES, 'up', 'postgres'], { stdio: 'ignore' })
      await waitFor(async () => (await updatesIn(run.updates)).rows >= records.length, 180_000, 'the sink to catch up')
      await sleep(2000)
      expect(sink.output.join('')).toMatch(/PostgreSQL unavailable/)
      expect(await metricsIn(run.metrics)).toEqual(reference(records))
      expect(await updatesIn(run.updates)).toEqual({ rows: records.length, distinct: records.length })
    } finally {
      execFileSync('bash', [SERVICES, 'up', 'postgres'], { stdio: 'ignore' })
      topology.kill('SIGTERM')
      sink.kill('SIGTERM')
      expect(await topology.exited, topology.output.join('')).toBe(0)
      expect(await sink.exited, sink.output.join('')).toBe(0)
      await rm(run.stateDir, { recursive: true, force: true })
    }
  })
})
