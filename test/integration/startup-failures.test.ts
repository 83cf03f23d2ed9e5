import { createServer, type Server } from 'node:net'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, describe, expect, test } from 'vitest'
import { createTopic, SluiceProcess, unique } from './kafka-helpers.js'

const TOPOLOGY = fileURLToPath(new URL('./fixtures/word-counts-under-test.ts', import.meta.url))
const SINK = fileURLToPath(new URL('./fixtures/failing-sink.ts', import.meta.url))
const PG_URL = process.env.SLUICE_PG_URL ?? 'postgres://sluice:sluice@127.0.0.1:5432/sluice'
const pool = new pg.Pool({ connectionString: PG_URL, max: 1 })
const dropped: string[] = []
afterAll(async () => {
  for (const table of dropped) await pool.query(`DROP TABLE IF EXISTS "${table}"`)
  await pool.end()
})

/** Names of one run, and the environment the topology and sink fixtures read them from. */
async function setUp(failure: string): Promise<{ env: { [name: string]: string }; offsetsTable: string; table: string }> {
  const applicationId = unique('startup')
  const base = applicationId.replace(/-/g, '_')
  const run = { offsetsTable: `${base}_offsets`, table: `${base}_rows`, output: `${applicationId}-counts` }
  dropped.push(run.offsetsTable, run.table)
  await createTopic(run.output, 1)
  const env = {
    TEST_APPLICATION_ID: applicationId,
    TEST_INPUT_TOPIC: `${applicationId}-words`,
    TEST_OUTPUT_TOPIC: run.output,
    TEST_SINK_GROUP: `${applicationId}-sink`,
    TEST_SINK_FAILURE: failure,
    TEST_OFFSETS_TABLE: run.offsetsTable,
    TEST_TABLE: run.table,
    SLUICE_PG_URL: PG_URL,
    SLUICE_STATE_DIR: join(tmpdir(), `${applicationId}-state`),
  }
  if (failure === 'unusable-offsets-table') await pool.query(`CREATE TABLE "${run.offsetsTable}" (something_else int)`)
  return { env, ...run }
}

/**
 * The process ends by itself, with 1, having said why ("sluice: ..."), and not by Node
 * reporting an unhandled rejection or an uncaught exception (which also exits with 1).
 */
async function expectCleanFailure(process: SluiceProcess, reason: RegExp): Promise<string> {
  const timeout = new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 60_000))
  const code = await Promise.race([process.exited, timeout])
  if (code === 'still running') process.kill('SIGKILL')
  const output = process.output.join('')
  expect(code, output).toBe(1)
  expect(output).toMatch(new RegExp(`sluice: .*${reason.source}`))
  expect(output).not.toMatch(/Node\.js v\d+|UnhandledPromiseRejection|triggerUncaughtException|node:internal/)
  return output
}

describe('a part failing to start ends the process with a logged error and exit code 1', () => {
  test.each([
    ['missing-offsets-table', /Cannot read the stored offsets from .*_offsets: relation .* does not exist/],
    ['unusable-offsets-table', /Cannot read the stored offsets from .*_offsets: column .* does not exist/],
    ['table-in-missing-schema', /schema "sluice_no_such_schema" does not exist/],
    ['bad-column-type', /Sink table .*_rows, column count: type .* is not accepted/],
  ])('sluice sink, %s', async (failure, reason) => {
    const { env } = await setUp(failure)
    await expectCleanFailure(SluiceProcess.sink(SINK, env), reason)
  })

  test.each([
    ['missing-offsets-table', /Cannot read the stored offsets/],
    ['table-in-missing-schema', /schema "sluice_no_such_schema" does not exist/],
    ['bad-column-type', /Sink table .*_rows, column count: type .* is not accepted/],
  ])('sluice run --sink, %s: the topology stops too', async (failure, reason) => {
    const { env } = await setUp(failure)
    try {
      await createTopic(env.TEST_INPUT_TOPIC, 1)
      await expectCleanFailure(new SluiceProcess(TOPOLOGY, env, ['--sink', SINK]), reason)
    } finally {
      await rm(env.SLUICE_STATE_DIR, { recursive: true, force: true })
    }
  })

  test('sluice run, Kafka unreachable past the start-up timeout', async () => {
    const { env } = await setUp('none')
    const run = new SluiceProcess(TOPOLOGY, { ...env, SLUICE_BROKERS: '127.0.0.1:1', SLUICE_STARTUP_TIMEOUT_MS: '12000' })
    await expectCleanFailure(run, /connect|Connection/i)
    // It waited for the cluster first, saying so, rather than failing at the first refusal.
    expect(run.output.join('')).toMatch(/connecting to 127\.0\.0\.1:1 and preparing topics: .*retrying/)
  })

  test('sluice run, its query port taken', async () => {
    const { env } = await setUp('none')
    const taken: Server = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    try {
      const port = (taken.address() as { port: number }).port
      await expectCleanFailure(new SluiceProcess(TOPOLOGY, { ...env, SLUICE_QUERY_PORT: String(port) }), /EADDRINUSE/)
    } finally {
      taken.close()
    }
  })
})
