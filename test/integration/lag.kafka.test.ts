import { fileURLToPath } from 'node:url'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { benchTransactions } from '../../bench/transactions.js'
import { runSluice } from '../cli/run-sluice.js'
import { BROKERS, createTopic, groupLag, produce, SluiceProcess, unique, waitFor } from './kafka-helpers.js'

const TOPOLOGY = fileURLToPath(new URL('./fixtures/category-counts-under-test.ts', import.meta.url))

interface LagJson {
  group: string
  state: string
  members: number
  totalLag: string
  partitions: { topic: string; partition: number; committed: string | null; end: string; lag: string | null }[]
}

/** Valid transactions (the shipped schema checks every field), records [from, from + count) of one seeded series. */
const transactions = (count: number, from = 0) => [...benchTransactions(from + count, 5)].slice(from).map(({ key, value }) => ({ key, value: JSON.stringify(value) }))

describe('sluice lag', () => {
  const applicationId = unique('lag')
  const input = `${applicationId}-transactions`
  const output = `${applicationId}-counts`
  const stateDir = join(tmpdir(), `${applicationId}-state`)
  const env = { TEST_APPLICATION_ID: applicationId, TEST_INPUT_TOPIC: input, TEST_OUTPUT_TOPIC: output, SLUICE_STATE_DIR: stateDir, SLUICE_BROKERS: BROKERS.join(',') }
  const lag = async (args: string[]): Promise<LagJson> => {
    const result = await runSluice(['lag', ...args, '--json'], env)
    expect(result.code, result.stderr).toBe(0)
    return JSON.parse(result.stdout) as LagJson
  }
  afterAll(async () => {
    await rm(stateDir, { recursive: true, force: true })
  })

  test('a running application caught up: every partition committed to its end; stopped with new input: the lag is the new records', async () => {
    await createTopic(input, 3)
    await produce(input, transactions(90))
    const app = new SluiceProcess(TOPOLOGY, env)
    try {
      await waitFor(async () => (await groupLag(applicationId, [input])) === 0, 120_000, 'the application consumed its input')
      const running = await lag([TOPOLOGY])
      expect(running.group).toBe(applicationId)
      expect(running.members).toBe(1)
      const inputPartitions = running.partitions.filter((entry) => entry.topic === input)
      expect(inputPartitions.map((entry) => entry.partition)).toEqual([0, 1, 2])
      expect(inputPartitions.reduce((sum, entry) => sum + Number(entry.end), 0)).toBe(90)
      for (const entry of inputPartitions) expect(entry.lag).toBe('0')
      // The repartition topic is the application's too.
      expect(running.partitions.some((entry) => entry.topic.endsWith('-repartition'))).toBe(true)
    } finally {
      app.kill('SIGTERM')
      await app.exited
    }
    await produce(input, transactions(12, 90))
    const stopped = await lag([TOPOLOGY])
    expect(stopped.members).toBe(0)
    expect(stopped.partitions.filter((entry) => entry.topic === input).reduce((sum, entry) => sum + Number(entry.lag), 0)).toBe(12)
    // The same group by name, as a table.
    const table = await runSluice(['lag', '--group', applicationId], env)
    expect(table.code, table.stderr).toBe(0)
    expect(table.stdout).toMatch(new RegExp(`^group ${applicationId}: \\w+, 0 member\\(s\\), total lag \\d+\\nTOPIC +PARTITION +COMMITTED +END +LAG\\n`))
    expect(table.stdout).toContain(input)
  })

  test('a group that does not exist: exit code 1, naming it; wrong arguments: exit code 2', async () => {
    const missing = await runSluice(['lag', '--group', unique('no-such-group')], env)
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/no consumer group "lag-|no consumer group "no-such-group/)
    const both = await runSluice(['lag', TOPOLOGY, '--group', 'g'], env)
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('lag takes a topology or sink file, or --group <group>')
  })
})
