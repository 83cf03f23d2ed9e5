import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { KafkaStreams, serdes, type Topology } from 'sluice'
import type { Transaction } from '../../../topologies/transaction.js'
import { RegistryClient } from '../../../src/serde/avro/registry-client.js'
import { largestTransactions } from '../../../topologies/avro/largest-transactions.js'
import { avroTransaction, type TransactionSchemaFile, type TransactionV2 } from '../../../topologies/avro/schemas.js'
import { BROKERS, createTopic, groupLag, produce, readTopic, waitFor } from '../kafka-helpers.js'
import { runName, tx } from './helpers.js'

const applicationId = runName('largest-kafka')
const names = { applicationId, inputTopic: `${applicationId}-in`, outputTopic: `${applicationId}-largest`, countsTopic: `${applicationId}-counts` }
const stateDirs = { v1: join(tmpdir(), `${applicationId}-v1`), v2: join(tmpdir(), `${applicationId}-v2`) }

afterAll(async () => {
  for (const directory of Object.values(stateDirs)) await rm(directory, { recursive: true, force: true })
})

async function produceV1(records: Transaction[]): Promise<void> {
  const v1 = avroTransaction('transaction-v1.avsc')
  await v1.prepare?.(names.inputTopic, [])
  await produce(names.inputTopic, records.map((record) => ({ key: record.cc_num, value: v1.serialize(names.inputTopic, record) })))
}

/** Runs the application until it has consumed its input, then stops it cleanly. */
async function runUntilCaughtUp(topology: Topology, stateDir: string): Promise<void> {
  const streams = new KafkaStreams(topology, { brokers: BROKERS, stateDir, commitIntervalMs: 200, log: () => {} })
  await streams.start()
  try {
    await waitFor(async () => (await groupLag(applicationId, [names.inputTopic])) === 0, 60_000, `${applicationId} to consume its input`)
  } finally {
    await streams.close()
  }
  expect(streams.error).toBeUndefined()
}

function version(schema: TransactionSchemaFile): Topology {
  return largestTransactions({ ...names, schema })
}

test('on Kafka, v2 of the Avro topology restores its store from a changelog written with v1 and reads old topic data', async () => {
  await createTopic(names.inputTopic, 1)
  await createTopic(names.outputTopic, 1)
  await createTopic(names.countsTopic, 1)
  await produceV1([tx({ cc_num: 'A', trans_num: 'a1', amt: 50 }), tx({ cc_num: 'B', trans_num: 'b1', amt: 70 })])
  await runUntilCaughtUp(version('transaction-v1.avsc'), stateDirs.v1)

  // Old records still unread when v2 is deployed on a new machine (empty state directory).
  await produceV1([tx({ cc_num: 'A', trans_num: 'a2', amt: 10 }), tx({ cc_num: 'C', trans_num: 'c1', amt: 5 })])
  RegistryClient.forgetSchemas()
  await runUntilCaughtUp(version('transaction-v2.avsc'), stateDirs.v2)

  const reader = avroTransaction<TransactionV2>('transaction-v2.avsc')
  const output = await readTopic(names.outputTopic)
  await reader.prepare?.(names.outputTopic, output.map((message) => message.value))
  const latest = new Map(output.map((message) => [message.key?.toString(), reader.deserialize(names.outputTopic, message.value)]))
  // A's largest (a1) came back from the v1 changelog and beat the smaller a2; C is old topic data.
  expect(latest.get('A')).toEqual({ ...tx({ cc_num: 'A', trans_num: 'a1', amt: 50 }), merchant_country: 'US' })
  expect(latest.get('C')).toEqual({ ...tx({ cc_num: 'C', trans_num: 'c1', amt: 5 }), merchant_country: 'US' })
  const counts = await readTopic(names.countsTopic)
  const countOf = new Map(counts.map((message) => [message.key?.toString(), serdes.long().deserialize(names.countsTopic, message.value)]))
  expect(countOf.get('grocery_pos')).toBe(4)
})
