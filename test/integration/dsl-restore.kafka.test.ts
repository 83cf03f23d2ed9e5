// Session windows, stream-stream inner / left / outer joins, a table-table join and a
// stream-global join on the broker, across a kill -9 and a wiped state directory: every store comes back from its
// changelog, and under exactly-once the final results equal the test driver's on the same input.
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { KafkaMessage } from 'sluice-kafkajs'
import { expect, test } from 'vitest'
import { serdes } from 'sluice'
import { withDriver } from '../helpers/driver.js'
import { dslTopics, dslUnderTest, type DslTopics } from './fixtures/dsl-under-test.js'
import { createTopic, groupLag, produce, readTopic, SluiceProcess, unique, waitFor } from './kafka-helpers.js'
import { sleep } from './pipeline-helpers.js'

const FIXTURE = fileURLToPath(new URL('./fixtures/dsl-under-test.ts', import.meta.url))
const PARTITIONS = 3
const S = serdes.string()
const J = serdes.nullable(serdes.json<string>())
const windowedKey = serdes.windowed(S)

interface Input {
  topic: 'left' | 'right' | 'leftTable' | 'rightTable' | 'products'
  key: string
  value: string | null
  timestamp: number
  partition?: number
}

/**
 * Two streams over a minute of event time (40 keys on both sides, 5 on the left only, 5 on the
 * right only), two tables with updates and deletes; then, once all that is processed, one
 * record per partition on each stream two hours later, which closes every window.
 */
function inputs(base: number): { data: Input[]; closing: Input[] } {
  const data: Input[] = []
  for (let i = 0; i < 2000; i++) data.push({ topic: 'left', key: `k${i % 45}`, value: `L${i}`, timestamp: base + i * 30 })
  for (let i = 0; i < 2000; i++) data.push({ topic: 'right', key: i % 50 < 45 ? `k${(i * 7) % 40}` : `right-only-${i % 5}`, value: `R${i}`, timestamp: base + i * 30 + 500 })
  for (let i = 0; i < 300; i++) data.push({ topic: 'leftTable', key: `t${i % 30}`, value: i % 7 === 0 ? null : `l${i}`, timestamp: base + i * 100 })
  for (let i = 0; i < 300; i++) data.push({ topic: 'rightTable', key: `t${(i * 11) % 30}`, value: i % 5 === 0 ? null : `r${i}`, timestamp: base + i * 100 + 50 })
  // The global table, written before the application first starts (it bootstraps it whole), with updates and deletes.
  for (let i = 0; i < 120; i++) data.unshift({ topic: 'products', key: `g${(i * 13) % 40}`, value: i % 9 === 0 ? null : `product-${i}`, timestamp: base + i, partition: i % 2 })
  const closing: Input[] = []
  for (let partition = 0; partition < PARTITIONS; partition++) {
    for (const topic of ['left', 'right'] as const) closing.push({ topic, key: `closing-${partition}`, value: `close-${topic}`, timestamp: base + 2 * 3_600_000, partition })
  }
  return { data, closing }
}

interface Results {
  sessions: Map<string, number>
  inner: string[]
  leftJoined: string[]
  outer: string[]
  tableJoined: Map<string, string>
  tableLeftJoined: Map<string, string>
  tableOuterJoined: Map<string, string>
  globalJoined: string[]
}

/** Final state: the last value per session / key (a null removes it); every join result, sorted. */
type Raw = [Buffer | null, Buffer | null][]

function summarize(outputs: { sessions: Raw; joins: { [name in 'inner' | 'leftJoined' | 'outer' | 'globalJoined']: Raw }; tables: { [name in 'tableJoined' | 'tableLeftJoined' | 'tableOuterJoined']: Raw } }, topics: DslTopics): Results {
  const sessions = new Map<string, number>()
  for (const [key, value] of outputs.sessions) {
    const windowed = windowedKey.deserialize(topics.sessions, key)
    const id = `${windowed.key}@${windowed.window.start}-${windowed.window.end}`
    if (value === null) sessions.delete(id)
    else sessions.set(id, serdes.long().deserialize(topics.sessions, value))
  }
  const pairs = (records: [Buffer | null, Buffer | null][]): string[] => records.map(([key, value]) => `${String(key)}|${String(value)}`).sort()
  /** A joined table's final rows: the last value per key, a null removing it. */
  const table = (name: 'tableJoined' | 'tableLeftJoined' | 'tableOuterJoined'): Map<string, string> => {
    const rows = new Map<string, string>()
    for (const [key, value] of outputs.tables[name]) {
      const decoded = J.deserialize(topics[name], value)
      if (decoded === null) rows.delete(String(key))
      else rows.set(String(key), decoded)
    }
    return rows
  }
  return {
    sessions,
    inner: pairs(outputs.joins.inner),
    leftJoined: pairs(outputs.joins.leftJoined),
    outer: pairs(outputs.joins.outer),
    tableJoined: table('tableJoined'),
    tableLeftJoined: table('tableLeftJoined'),
    tableOuterJoined: table('tableOuterJoined'),
    globalJoined: pairs(outputs.joins.globalJoined),
  }
}

/** The test driver's results on the same input, in the order it was produced. */
async function driverResults(topics: DslTopics, records: readonly Input[]): Promise<Results> {
  return withDriver(dslUnderTest(topics), { backend: 'memory' }, async (driver) => {
    const streams = { left: driver.createInputTopic(topics.left, S, S), right: driver.createInputTopic(topics.right, S, S) }
    const tables = { leftTable: driver.createInputTopic(topics.leftTable, S, J), rightTable: driver.createInputTopic(topics.rightTable, S, J) }
    const products = driver.createInputTopic(topics.products, S, serdes.nullable(S))
    for (const record of records) {
      if (record.topic === 'products') await products.pipeInput(record.key, record.value, record.timestamp)
      else if (record.topic === 'left' || record.topic === 'right') await streams[record.topic].pipeInput(record.key, record.value as string, record.timestamp)
      else await tables[record.topic].pipeInput(record.key, record.value, record.timestamp)
    }
    const raw = (topic: string): Raw => driver.topicContents(topic).map((record) => [record.key, record.value])
    return summarize({ sessions: raw(topics.sessions), joins: { inner: raw(topics.inner), leftJoined: raw(topics.leftJoined), outer: raw(topics.outer), globalJoined: raw(topics.globalJoined) }, tables: { tableJoined: raw(topics.tableJoined), tableLeftJoined: raw(topics.tableLeftJoined), tableOuterJoined: raw(topics.tableOuterJoined) } }, topics)
  })
}

async function brokerResults(topics: DslTopics): Promise<Results> {
  const raw = async (topic: string): Promise<Raw> => (await readTopic(topic, { readCommitted: true })).map((message: KafkaMessage) => [message.key, message.value])
  return summarize(
    {
      sessions: await raw(topics.sessions),
      joins: { inner: await raw(topics.inner), leftJoined: await raw(topics.leftJoined), outer: await raw(topics.outer), globalJoined: await raw(topics.globalJoined) },
      tables: { tableJoined: await raw(topics.tableJoined), tableLeftJoined: await raw(topics.tableLeftJoined), tableOuterJoined: await raw(topics.tableOuterJoined) },
    },
    topics,
  )
}

test('session windows and every join kind (stream-stream, table-table, stream-global) across a kill -9 with a wiped state directory: stores restored from their changelogs, results exact under exactly-once', async () => {
  const applicationId = unique('dsl-restore')
  const topics = dslTopics(applicationId)
  const stateDir = join(tmpdir(), `${applicationId}-state`)
  // The global table's topic is read by no group: not waited on.
  const inputTopics = [topics.left, topics.right, topics.leftTable, topics.rightTable]
  for (const topic of [...inputTopics, topics.sessions, topics.inner, topics.leftJoined, topics.outer, topics.tableJoined, topics.tableLeftJoined, topics.tableOuterJoined, topics.globalJoined]) await createTopic(topic, PARTITIONS)
  await createTopic(topics.products, 2)
  const { data, closing } = inputs(Date.now() - 3_600_000)
  const send = async (records: readonly Input[]): Promise<void> => {
    for (const name of ['products', 'left', 'right', 'leftTable', 'rightTable'] as const) {
      // Table values are JSON (a null is a delete); stream values plain strings.
      const encode = (value: string | null): string | null => (name === 'leftTable' || name === 'rightTable') && value !== null ? JSON.stringify(value) : value
      const messages = records.filter((record) => record.topic === name).map((record) => ({ key: record.key, value: encode(record.value), timestamp: String(record.timestamp), partition: record.partition }))
      if (messages.length > 0) await produce(topics[name], messages)
    }
  }
  const env = { TEST_APPLICATION_ID: applicationId, SLUICE_GUARANTEE: 'exactly_once', SLUICE_STATE_DIR: stateDir }
  const processes: SluiceProcess[] = []
  try {
    await send(data)
    const first = new SluiceProcess(FIXTURE, env)
    processes.push(first)
    await first.waitForOutput(/running tasks/)
    await sleep(1_500) // some of it processed and committed, not all
    first.kill('SIGKILL')
    await first.exited
    await rm(stateDir, { recursive: true, force: true })

    const second = new SluiceProcess(FIXTURE, env)
    processes.push(second)
    await second.waitForOutput(/running tasks/, 120_000)
    // The wiped stores came back from their changelogs before processing went on.
    expect(second.output.join('')).toMatch(/restored [1-9]\d* records/)
    await waitFor(async () => (await groupLag(applicationId, inputTopics)) === 0, 120_000, 'the input processed after the restart')
    await send(closing)
    await waitFor(async () => (await groupLag(applicationId, inputTopics)) === 0, 60_000, 'the closing records processed')

    const [want, got] = [await driverResults(topics, [...data, ...closing]), await brokerResults(topics)]
    // The input makes every kind of result: matched and unmatched pairs, merged sessions, table deletes.
    expect(want.inner.length).toBeGreaterThan(1000)
    expect(want.leftJoined.some((pair) => pair.endsWith('+-'))).toBe(true)
    expect(want.outer.some((pair) => pair.includes('|-+'))).toBe(true)
    expect([...want.sessions.values()].some((count) => count > 1)).toBe(true)
    expect(want.tableJoined.size).toBeGreaterThan(0)
    expect(got.sessions).toEqual(want.sessions)
    expect(got.inner).toEqual(want.inner)
    expect(got.leftJoined).toEqual(want.leftJoined)
    expect(got.outer).toEqual(want.outer)
    expect(got.tableJoined).toEqual(want.tableJoined)
    expect([...want.tableLeftJoined.values()].some((row) => row.endsWith('*-'))).toBe(true)
    expect([...want.tableOuterJoined.values()].some((row) => row.startsWith('-*'))).toBe(true)
    expect(got.tableLeftJoined).toEqual(want.tableLeftJoined)
    expect(got.tableOuterJoined).toEqual(want.tableOuterJoined)
    expect(want.globalJoined.some((pair) => pair.includes('~product-'))).toBe(true)
    expect(want.globalJoined.some((pair) => pair.endsWith('~-'))).toBe(true)
    expect(got.globalJoined).toEqual(want.globalJoined)
  } finally {
    for (const process of processes) process.kill('SIGTERM')
    await Promise.all(processes.map((process) => process.exited))
    await rm(stateDir, { recursive: true, force: true })
  }
})
