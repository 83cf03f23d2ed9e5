import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { serdes } from 'sluice'
import { TopologyTestDriver } from 'sluice/testing'
import { largestTransactions } from '../../topologies/avro/largest-transactions.js'
import { avroTransaction, transactionSchema, type TransactionSchemaFile } from '../../topologies/avro/schemas.js'
import { runName, tx } from '../integration/avro/helpers.js'

const BIN = fileURLToPath(new URL('../../bin/sluice.js', import.meta.url))
const FIXTURE = fileURLToPath(new URL('../integration/avro/fixtures/largest-transactions-under-test.ts', import.meta.url))

function sluice(args: string[], env: { [name: string]: string }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })
    })
  })
}

describe('sluice schema check', () => {
  const applicationId = runName('schema-check')
  const subjects = {
    input: `${applicationId}-in-value`,
    output: `${applicationId}-largest-value`,
    repartition: `${applicationId}-transactions-by-category-repartition-value`,
    categoryChangelog: `${applicationId}-largest-transaction-per-category-changelog-value`,
    changelog: `${applicationId}-largest-transaction-per-card-changelog-value`,
  }
  const run = (schema: TransactionSchemaFile, ...flags: string[]) => sluice(['schema', 'check', FIXTURE, ...flags], { TEST_APPLICATION_ID: applicationId, TEST_TRANSACTION_SCHEMA: schema })
  let folder: string

  beforeAll(async () => {
    // Version 1 of the application registers v1 under every subject it writes or reads.
    const names = { applicationId, inputTopic: `${applicationId}-in`, outputTopic: `${applicationId}-largest`, countsTopic: `${applicationId}-counts` }
    const driver = await TopologyTestDriver.create(largestTransactions({ ...names, schema: 'transaction-v1.avsc' }))
    try {
      await driver.createInputTopic(names.inputTopic, serdes.string(), avroTransaction('transaction-v1.avsc')).pipeInput('A', tx())
    } finally {
      await driver.close()
    }
    folder = await mkdtemp(join(tmpdir(), 'sluice-schemas-'))
    await writeFile(join(folder, `${subjects.input}.avsc`), transactionSchema('transaction-v1.avsc'))
    await mkdir(join(folder, subjects.changelog))
    await writeFile(join(folder, subjects.changelog, '1.avsc'), transactionSchema('transaction-v1.avsc'))
    await writeFile(join(folder, subjects.changelog, '2.avsc'), transactionSchema('transaction-v2.avsc'))
  })

  afterAll(async () => {
    await rm(folder, { recursive: true, force: true })
  })

  test('v2 with a default is compatible with the registered v1 under every subject: exit code 0', async () => {
    const result = await run('transaction-v2.avsc')
    expect(result.stderr).toBe('')
    for (const subject of Object.values(subjects)) expect(result.stdout).toContain(`${subject}: compatible (BACKWARD, 1 earlier schema(s))`)
    expect(result.stdout).toContain('all 5 subject(s) compatible')
    expect(result.code).toBe(0)
  })

  test('v2 without a default is incompatible, with the reason per subject: exit code 1', async () => {
    const result = await run('transaction-v2-no-default.avsc')
    for (const subject of Object.values(subjects)) expect(result.stdout).toContain(`${subject}: INCOMPATIBLE (BACKWARD, 1 earlier schema(s))`)
    expect(result.stdout).toContain('- field `merchant_country` added without a default: a reader on the new schema cannot read old records (version 1, id ')
    expect(result.stdout).toContain(`used by store largest-transaction-per-card and its changelog ${applicationId}-largest-transaction-per-card-changelog (value)`)
    expect(result.stdout).toContain('5 of 5 subject(s) incompatible')
    expect(result.code).toBe(1)
  })

  test('--compatibility FORWARD: old readers ignore the added field, so the same change passes', async () => {
    const result = await run('transaction-v2-no-default.avsc', '--compatibility', 'FORWARD')
    expect(result.stdout).toContain(`${subjects.changelog}: compatible (FORWARD, 1 earlier schema(s))`)
    expect(result.code).toBe(0)
  })

  test('--against a folder of .avsc files; FULL_TRANSITIVE checks every saved version', async () => {
    const result = await run('transaction-v2-no-default.avsc', '--against', folder, '--compatibility', 'FULL_TRANSITIVE')
    expect(result.stdout).toContain(`${subjects.input}: INCOMPATIBLE (FULL_TRANSITIVE, 1 earlier schema(s))`)
    expect(result.stdout).toContain(`${subjects.changelog}: INCOMPATIBLE (FULL_TRANSITIVE, 2 earlier schema(s))`)
    // Against the saved v2 (which has a default) the old reader side is fine and the new reader has the field: only v1 is a problem.
    expect(result.stdout).toContain(`a reader on the new schema cannot read old records (${join(folder, subjects.changelog, '1.avsc')})`)
    expect(result.stdout).not.toContain(`(${join(folder, subjects.changelog, '2.avsc')})`)
    expect(result.stdout).toContain(`${subjects.output}: new (FULL_TRANSITIVE, no earlier schema)`)
    expect(result.stdout).toContain('2 of 5 subject(s) incompatible')
    expect(result.code).toBe(1)
  })
})
