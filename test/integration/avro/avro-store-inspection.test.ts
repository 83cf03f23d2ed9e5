import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, expect, test } from 'vitest'
import { KafkaStreams, type Topology } from 'sluice'
import type { Transaction } from '../../../topologies/transaction.js'
import { RegistryClient } from '../../../src/serde/avro/registry-client.js'
import { largestTransactions } from '../../../topologies/avro/largest-transactions.js'
import { avroTransaction, type TransactionSchemaFile, type TransactionV2 } from '../../../topologies/avro/schemas.js'
import { BROKERS, createTopic, groupLag, produce, waitFor } from '../kafka-helpers.js'
import { sluiceJson } from '../store-helpers.js'
import { runName, tx } from './helpers.js'

const FIXTURE = fileURLToPath(new URL('./fixtures/largest-transactions-under-test.ts', import.meta.url))
const STORE = 'largest-transaction-per-card'
const applicationId = runName('largest-store')
const names = { applicationId, inputTopic: `${applicationId}-in`, outputTopic: `${applicationId}-largest`, countsTopic: `${applicationId}-counts` }
const stateDir = join(tmpdir(), applicationId)

afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true })
})

function version(schema: TransactionSchemaFile, queryPort?: number): KafkaStreams {
  const topology: Topology = largestTransactions({ ...names, schema })
  return new KafkaStreams(topology, { brokers: BROKERS, stateDir, commitIntervalMs: 200, queryPort, log: () => {} })
}

interface Rows {
  rows: { task: string; key: unknown; value: unknown }[]
}

test('sluice store and interactive queries of the v2 application read store values written with Avro v1, stopped and running', async () => {
  await createTopic(names.inputTopic, 2)
  await createTopic(names.outputTopic, 2)
  await createTopic(names.countsTopic, 2)
  const v1 = avroTransaction<Transaction>('transaction-v1.avsc')
  await v1.prepare?.(names.inputTopic, [])
  const old = [tx({ cc_num: 'A', trans_num: 'a1', amt: 50 }), tx({ cc_num: 'A', trans_num: 'a2', amt: 20 }), tx({ cc_num: 'B', trans_num: 'b1', amt: 70 })]
  await produce(names.inputTopic, old.map((record) => ({ key: record.cc_num, value: v1.serialize(names.inputTopic, record) })))

  const before = version('transaction-v1.avsc')
  await before.start()
  try {
    await waitFor(async () => (await groupLag(applicationId, [names.inputTopic])) === 0, 60_000, 'v1 to consume its input')
  } finally {
    await before.close()
  }
  expect(before.error).toBeUndefined()
  const expectedA: TransactionV2 = { ...old[0], merchant_country: 'US' }

  // Stopped: the v2 topology file decodes the v1 bytes in the local LevelDB with its reader schema.
  const env = { TEST_APPLICATION_ID: applicationId, TEST_TRANSACTION_SCHEMA: 'transaction-v2.avsc' }
  const stopped = await sluiceJson<Rows>(['store', FIXTURE, 'get', STORE, 'A', '--state-dir', stateDir], env)
  expect(stopped.rows.map((row) => row.value)).toEqual([expectedA])

  // Running v2 (a fresh process would not have the v1 schema cached): in code and over HTTP.
  RegistryClient.forgetSchemas()
  const after = version('transaction-v2.avsc', 0)
  await after.start()
  try {
    await waitFor(async () => after.state === 'RUNNING' && (await after.store<string, TransactionV2>(STORE).get('B')) !== undefined, 60_000, 'v2 to serve its store')
    expect(await after.store<string, TransactionV2>(STORE).get('B')).toEqual({ ...old[2], merchant_country: 'US' })
    const running = await sluiceJson<Rows>(['store', FIXTURE, 'get', STORE, 'A', '--url', after.queryUrl as string], env)
    expect(running.rows.map((row) => row.value)).toEqual([expectedA])
  } finally {
    await after.close()
  }
  expect(after.error).toBeUndefined()
})
