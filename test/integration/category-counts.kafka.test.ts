import '../../src/runtime/kafka/kafkajs/kafkajs-corrections.js' // corrects kafkajs before it loads
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { DEAD_LETTER_HEADERS, serdes } from 'sluice'
import type { KafkaMessage } from 'sluice-kafkajs'
import { benchTransactions } from '../../bench/transactions.js'
import { createTopic, groupLag, produce, readTopic, SluiceProcess, unique, waitFor, withAdmin } from './kafka-helpers.js'

const FIXTURE = fileURLToPath(new URL('./fixtures/category-counts-under-test.ts', import.meta.url))
const WINDOW_MS = 60_000
const windowedKey = serdes.windowed(serdes.string())
const long = serdes.long()

interface Run {
  applicationId: string
  input: string
  output: string
  repartition: string
  stateDir: string
  env: { [name: string]: string }
}

function newRunWith(guarantee: 'at_least_once' | 'exactly_once' = 'at_least_once'): Run {
  const applicationId = unique('cc')
  const input = `${applicationId}-transactions`
  const output = `${applicationId}-counts`
  const stateDir = join(tmpdir(), `${applicationId}-state`)
  return {
    applicationId,
    input,
    output,
    repartition: `${applicationId}-transactions-by-category-repartition`,
    stateDir,
    env: {
      TEST_APPLICATION_ID: applicationId,
      TEST_INPUT_TOPIC: input,
      TEST_OUTPUT_TOPIC: output,
      // Input partitions are consumed at different speeds (and processes stop mid-stream), so
      // event time arrives out of order by more than any realistic grace; a long grace keeps
      // every record in its window so the final counts are exactly the reference.
      TEST_GRACE: '30d',
      SLUICE_STATE_DIR: stateDir,
      SLUICE_COMMIT_INTERVAL_MS: guarantee === 'exactly_once' ? '100' : '1000',
      SLUICE_GUARANTEE: guarantee,
      // Under exactly-once every input's update is committed exactly once, which the tests count;
      // the update cache (on by default) would merge a window's updates between commits.
      ...(guarantee === 'exactly_once' ? { SLUICE_UPDATE_CACHE_MAX_ENTRIES: '0' } : {}),
    },
  }
}

function transactionsFor(count: number, seed: number) {
  return [...benchTransactions(count, seed)].map(({ key, value }) => ({ key, value: JSON.stringify(value), unixTime: value.unix_time, category: value.category }))
}

/** The count per category and window, computed directly from the generated records. */
function referenceCounts(records: readonly { unixTime: number; category: string }[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const { unixTime, category } of records) {
    const start = Math.floor((unixTime * 1000) / WINDOW_MS) * WINDOW_MS
    const key = `${category}@${start}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return counts
}

/** The last count emitted per window; under at-least-once earlier updates may repeat. */
function finalCounts(messages: readonly KafkaMessage[], topic: string): Map<string, number> {
  const counts = new Map<string, number>()
  for (const message of messages) {
    const key = windowedKey.deserialize(topic, message.key)
    counts.set(`${key.key}@${key.window.start}`, long.deserialize(topic, message.value))
  }
  return counts
}

async function waitUntilConsumed(run: Run, timeoutMs = 180_000): Promise<void> {
  await waitFor(async () => (await groupLag(run.applicationId, [run.input, run.repartition])) === 0, timeoutMs, `${run.applicationId} to consume everything`)
}

describe('category counts on Kafka', () => {
  // Both guarantees with the update cache on (the default), which forwards a window once per
  // commit rather than once per record.
  test.each(['at_least_once', 'exactly_once'] as const)('one process, %s: every window final count equals the reference', async (guarantee) => {
    const run = newRunWith(guarantee)
    const { SLUICE_UPDATE_CACHE_MAX_ENTRIES: _cacheOff, ...env } = run.env
    await createTopic(run.input, 6)
    await createTopic(run.output, 6)
    const records = transactionsFor(20_000, 1)
    await produce(run.input, records)
    const app = new SluiceProcess(FIXTURE, env)
    try {
      await waitUntilConsumed(run)
      const output = await readTopic(run.output, { readCommitted: true })
      expect(finalCounts(output, run.output)).toEqual(referenceCounts(records))
      expect(output.length).toBeLessThan(records.length / 2)
    } finally {
      app.kill('SIGTERM')
      expect(await app.exited, app.output.join('')).toBe(0)
      await rm(run.stateDir, { recursive: true, force: true })
    }
  })

  test('a poison record goes to the dead-letter topic with its bytes and error headers; the rest is counted', async () => {
    const run = newRunWith()
    const deadLetters = `${run.applicationId}-dlq`
    await createTopic(run.input, 3)
    await createTopic(run.output, 6)
    const records = transactionsFor(3_000, 4)
    const poison = Buffer.from('{"category": "grocery_pos", "amt": 1, "unix_time": ') // invalid JSON
    await produce(run.input, [...records.slice(0, 1500), { key: 'poison', value: poison, partition: 1 }, ...records.slice(1500)])
    const app = new SluiceProcess(FIXTURE, run.env, ['--dead-letter-topic', deadLetters])
    try {
      await waitUntilConsumed(run)
      const dead = await readTopic(deadLetters, { done: (messages) => messages.length >= 1 })
      expect(dead).toHaveLength(1)
      expect(dead[0].value).toEqual(poison)
      expect(dead[0].key?.toString()).toBe('poison')
      expect(dead[0].headers?.[DEAD_LETTER_HEADERS.topic]?.toString()).toBe(run.input)
      expect(dead[0].headers?.[DEAD_LETTER_HEADERS.partition]?.toString()).toBe('1')
      expect(dead[0].headers?.[DEAD_LETTER_HEADERS.error]?.toString()).toMatch(/Cannot deserialize the value .* partition 1, offset \d+/)
      const counts = finalCounts(await readTopic(run.output), run.output)
      expect(counts).toEqual(referenceCounts(records))
      const processed = [...counts.values()].reduce((sum, count) => sum + count, 0)
      expect(processed + dead.length).toBe(records.length + 1)
    } finally {
      app.kill('SIGTERM')
      expect(await app.exited, app.output.join('')).toBe(0)
      await rm(run.stateDir, { recursive: true, force: true })
    }
  })
})

// At-least-once may count a record twice when a commit is cut short between its changelogs and
// its offsets (a rebalance refusing the offsets, a kill -9): it must never lose one. Exactly-once
// commits both in one transaction, so its counts are exact and every update appears once.
// Exactly-once runs twice: with the update cache off, every input's update must be committed
// exactly once (counted); with it on (the default), the final counts must still be exact.
const failureModes = [
  ['at_least_once', 'on'],
  ['exactly_once', 'off'],
  ['exactly_once', 'on'],
] as const
describe.each(failureModes)('category counts on Kafka, %s, update cache %s, under failures', (guarantee, updateCache) => {
  const newRun = (mode: typeof guarantee): Run => {
    const run = newRunWith(mode)
    if (updateCache === 'on') delete run.env.SLUICE_UPDATE_CACHE_MAX_ENTRIES
    return run
  }

  async function expectCounts(run: Run, records: readonly { unixTime: number; category: string }[]): Promise<void> {
    const reference = referenceCounts(records)
    if (guarantee === 'exactly_once' && updateCache === 'off') {
      // One committed update per input record, none from aborted transactions.
      const output = await readTopic(run.output, { readCommitted: true, done: (messages) => messages.length >= records.length, timeoutMs: 180_000 })
      await new Promise((resolve) => setTimeout(resolve, 2000))
      const all = await readTopic(run.output, { readCommitted: true })
      expect(all.length).toBe(records.length)
      expect(finalCounts(output, run.output)).toEqual(reference)
      return
    }
    await waitUntilConsumed(run)
    const counts = finalCounts(await readTopic(run.output, { readCommitted: true }), run.output)
    if (guarantee === 'exactly_once') {
      expect(counts).toEqual(reference)
      return
    }
    expect([...counts.keys()].sort()).toEqual([...reference.keys()].sort())
    for (const [window, expected] of reference) expect(counts.get(window), window).toBeGreaterThanOrEqual(expected)
  }

    test('three processes, two started and stopped mid-stream', async () => {
      const run = newRun(guarantee)
      await createTopic(run.input, 6)
      await createTopic(run.output, 6)
      const records = transactionsFor(30_000, 2)
      const third = records.length / 3
      const a = new SluiceProcess(FIXTURE, { ...run.env, SLUICE_STATE_DIR: `${run.stateDir}/a` })
      const b = new SluiceProcess(FIXTURE, { ...run.env, SLUICE_STATE_DIR: `${run.stateDir}/b` })
      let c: SluiceProcess | undefined
      try {
        await produce(run.input, records.slice(0, third))
        await a.waitForOutput(/running tasks/)
        await b.waitForOutput(/running tasks/)
        c = new SluiceProcess(FIXTURE, { ...run.env, SLUICE_STATE_DIR: `${run.stateDir}/c` })
        await produce(run.input, records.slice(third, 2 * third))
        await c.waitForOutput(/running tasks/)
        b.kill('SIGTERM')
        expect(await b.exited).toBe(0)
        await produce(run.input, records.slice(2 * third))
        c.kill('SIGTERM')
        expect(await c.exited).toBe(0)
        await expectCounts(run, records)
      } finally {
        for (const app of [a, b, c]) app?.kill('SIGTERM')
        expect(await a.exited).toBe(0)
        await rm(run.stateDir, { recursive: true, force: true })
      }
      })

      test('kill -9 mid-stream, state directory deleted, restart: stores restore from changelogs', async () => {
      const run = newRun(guarantee)
      await createTopic(run.input, 6)
      await createTopic(run.output, 6)
      const records = transactionsFor(40_000, 3)
      await produce(run.input, records)
      const first = new SluiceProcess(FIXTURE, run.env)
      // Kill once the count store has a changelog to restore from and a good part is processed.
      const changelog = `${run.applicationId}-counts-per-category-changelog`
      await waitFor(async () => (await groupLag(run.applicationId, [run.input])) < records.length * 0.7, 120_000, 'progress before the kill')
      await waitFor(async () => (await withAdmin((admin) => admin.fetchTopicOffsets(changelog))).some((end) => Number(end.high) > 0), 120_000, 'a changelog to restore from')
      first.kill('SIGKILL')
      await first.exited
      await rm(run.stateDir, { recursive: true, force: true })
      const second = new SluiceProcess(FIXTURE, run.env)
      try {
        await second.waitForOutput(/restor/)
        await expectCounts(run, records)
      } finally {
        second.kill('SIGTERM')
        expect(await second.exited).toBe(0)
        await rm(run.stateDir, { recursive: true, force: true })
      }
      })

})
