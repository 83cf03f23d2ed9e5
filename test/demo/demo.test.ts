import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateTransactions } from '../../demo/generator/index.js'
import { serdes } from 'sluice'
import { TopologyTestDriver } from 'sluice/testing'
import { DEFAULT_DEMO_OPTIONS, DEMO_TABLES, resetDemoTables, type DemoOptions } from '../../demo/demo-options.js'
import { runInProcess } from '../../demo/in-process-pipeline.js'
import { LiveSummary } from '../../demo/live-summary.js'
import { PgliteDatabase } from '../../demo/pglite-database.js'
import { transaction } from '../../topologies/schemas.js'
import { fraudAlert, userAnomaly } from '../../topologies/user-anomaly.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** What `npm run demo` imports first: 'sluice' from src/, TypeScript through tsx. */
const FROM_SOURCE = new URL('../../scripts/source-entry-points.mjs', import.meta.url).href
const DAY_MS = 86_400_000
const SHORT = { count: 3000, users: 30, seed: 42 }

/** Counts per (day window, category) computed straight from the generator's output. */
function referenceCounts(): Map<string, number> {
  const counts = new Map<string, number>()
  for (const { transaction: tx } of generateTransactions(SHORT)) {
    const key = `${Math.floor((tx.unix_time * 1000) / DAY_MS) * DAY_MS}|${tx.category}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return counts
}

/** The alerts of the shipped detector run on its own over the same transactions. */
async function referenceAlerts(): Promise<Set<string>> {
  const driver = await TopologyTestDriver.create(userAnomaly(), { backend: 'memory' })
  try {
    const input = driver.createInputTopic('transactions', serdes.string(), transaction)
    await input.pipeRecords([...generateTransactions(SHORT)].map(({ transaction: tx }) => ({ key: String(tx.cc_num), value: tx, timestamp: tx.unix_time * 1000 })))
    return new Set(driver.createOutputTopic('alerts', serdes.string(), fraudAlert).readRecordsToList().map((record) => record.value.trans_num))
  } finally {
    await driver.close()
  }
}

/** Runs `npm run demo`'s script as a user would; resolves with its exit code and output. */
function runDemo(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', FROM_SOURCE, join(ROOT, 'demo/main.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('exit', (code) => resolve({ code, output }))
  })
}

describe('the demo (npm run demo), shortened', () => {
  let stateDir: string
  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'sluice-demo-test-'))
  })
  afterAll(async () => {
    await rm(stateDir, { recursive: true, force: true })
  })

  it('in-process on PGlite: fraud_metrics equals the generator reference counts, fraud_alerts holds each alert once', async () => {
    const database = await PgliteDatabase.open()
    const lines: string[] = []
    try {
      const options: DemoOptions = { ...DEFAULT_DEMO_OPTIONS, ...SHORT, stateDir }
      await resetDemoTables(database)
      const result = await runInProcess(options, database, new LiveSummary(3_600_000, (line) => lines.push(line)))
      expect(result.transactions).toBe(SHORT.count)

      const rows = await database.query<{ window_start: Date; window_end: Date; category: string; count: number }>(`SELECT window_start, window_end, category, count FROM ${DEMO_TABLES.metrics}`)
      const table = new Map(rows.map((row) => [`${row.window_start.getTime()}|${row.category}`, Number(row.count)]))
      expect(table).toEqual(referenceCounts())
      for (const row of rows) expect(row.window_end.getTime() - row.window_start.getTime()).toBe(DAY_MS)

      const alerts = await database.query<{ trans_num: string }>(`SELECT trans_num FROM ${DEMO_TABLES.alerts}`)
      const expected = await referenceAlerts()
      expect(expected.size).toBeGreaterThan(0)
      expect(alerts).toHaveLength(expected.size)
      expect(new Set(alerts.map((alert) => alert.trans_num))).toEqual(expected)
      expect(result.alerts).toBe(expected.size)

      // The live summary showed closed windows while running and the alert totals at the end.
      expect(lines.some((line) => /^window .* \(closed\) +\d+ transactions/.test(line))).toBe(true)
      expect(lines.at(-1)).toMatch(/^alerts: \d+ HIGH, \d+ MEDIUM, \d+ LOW$/)
      // Its store lives under the state directory, as the README says.
      expect(existsSync(join(stateDir, 'demo-user-anomaly'))).toBe(true)
    } finally {
      await database.close()
    }
  })

  it('the command runs end to end in-process and prints the tables', async () => {
    const { code, output } = await runDemo(['--count', String(SHORT.count), '--users', String(SHORT.users), '--state-dir', stateDir])
    expect(code, output).toBe(0)
    expect(output).toContain('into an embedded PostgreSQL (PGlite')
    expect(output).toMatch(new RegExp(`sluice_demo\\.fraud_metrics: \\d+ rows, \\d+ windows, ${SHORT.count} transactions counted`))
    expect(output).toMatch(/sluice_demo\.fraud_alerts: \d+ rows \(\d+ HIGH/)
  })

  it('--kafka runs the same pipeline as separate processes on the local services, with the same tables', async () => {
    const local = await runDemo(['--count', String(SHORT.count), '--users', String(SHORT.users), '--state-dir', stateDir])
    const kafka = await runDemo(['--kafka', '--count', String(SHORT.count), '--users', String(SHORT.users), '--state-dir', stateDir])
    expect(kafka.code, kafka.output).toBe(0)
    expect(kafka.output).toContain('as separate sluice processes')
    const tables = (output: string) => output.split('\n').filter((line) => /^sluice_demo\.fraud_(metrics|alerts): /.test(line))
    expect(tables(kafka.output)).toHaveLength(2)
    expect(tables(kafka.output)).toEqual(tables(local.output))
    expect(kafka.output).toMatch(new RegExp(`${SHORT.count} transactions counted`))
  })

  it('--cdc: the generator fills a PostgreSQL table, Debezium streams it, the same tables come out and every alert reaches the webhook', async () => {
    const local = await runDemo(['--count', String(SHORT.count), '--users', String(SHORT.users), '--state-dir', stateDir])
    const cdc = await runDemo(['--cdc', '--count', String(SHORT.count), '--users', String(SHORT.users), '--state-dir', stateDir])
    expect(cdc.code, cdc.output).toBe(0)
    expect(cdc.output).toContain('from PostgreSQL through Debezium')
    expect(cdc.output).toMatch(/connector sluice-demo-\w+ RUNNING/)
    const tables = (output: string) => output.split('\n').filter((line) => /^sluice_demo\.fraud_(metrics|alerts): /.test(line))
    expect(tables(cdc.output)).toHaveLength(2)
    expect(tables(cdc.output)).toEqual(tables(local.output))
    const alerts = Number(/fraud_alerts: (\d+) rows/.exec(cdc.output)?.[1])
    expect(alerts).toBeGreaterThan(0)
    expect(cdc.output).toContain(`${alerts} alerts delivered to the webhook`)
    expect(cdc.output.split('\n').filter((line) => line.startsWith('[webhook] '))).toHaveLength(alerts)
    expect(cdc.output).toMatch(/lag on \S+: \S+-category-counts 0, \S+-user-anomaly 0/)
  })
})
