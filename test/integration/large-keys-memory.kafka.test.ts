import '../../src/runtime/kafka/kafkajs/kafkajs-corrections.js' // corrects kafkajs before it loads
import { spawn } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { Partitioners } from 'sluice-kafkajs'
import { benchTransactions } from '../../bench/transactions.js'
import { BROKERS, createTopic, kafka, unique, withAdmin } from './kafka-helpers.js'

const CHILD = fileURLToPath(new URL('./fixtures/large-keys-memory.ts', import.meta.url))
/** 'sluice' from src/, TypeScript through tsx (as `npm run demo` runs). */
const FROM_SOURCE = new URL('../../scripts/source-entry-points.mjs', import.meta.url).href
const CATEGORIES = 600
/** ~1 MiB, and still under the broker's default max.message.bytes (1 MiB + 12) once windowed. */
const CATEGORY_CHARS = 1_000_000
const MiB = 1024 * 1024
/**
 * Measured on the 2-core test machine (exactly-once, commit interval 2 minutes, so that only the
 * bounds make tasks commit), growth of the child's RSS at its peak / heap + external memory
 * still held once every record is through, after a full GC:
 * - with the default bounds (store cache 32 MiB, update cache 8 MiB, send buffer 32 MiB):
 *   ~870 MiB / 88 MiB heap + 137 MiB external; most of the peak is garbage V8 had not yet
 *   collected (a 1 GiB heap lets it wait);
 * - without them (each bound at 1 TB; the entry counts alone): ~2.4 GiB / 1.8 GB heap + 1.3 GB
 *   external, which a 1 GiB heap does not survive.
 */
const MAX_RSS_GROWTH = 1200 * MiB
const MAX_HELD_AFTER_GC = 400 * MiB

interface Report {
  baselineRss: number
  peakRss: number
  processed: number
  state: string
  error?: string
  heapUsed: number
  external: number
}

function runChild(env: { [name: string]: string }): Promise<Report> {
  return new Promise((resolve, reject) => {
    // A 1 GiB heap, which the defaults are chosen to fit.
    const child = spawn(process.execPath, ['--max-old-space-size=1024', '--expose-gc', '--import', FROM_SOURCE, CHILD], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    const output: string[] = []
    const errors: string[] = []
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => errors.push(chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code) => {
      const line = output.join('').trim().split('\n').pop() ?? ''
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`the child exited with ${code}:\n${errors.join('').slice(-4000)}`))
      else resolve(JSON.parse(line) as Report)
    })
  })
}

describe('memory is bounded in bytes', () => {
  test(`${CATEGORIES} distinct ~1 MiB categories through the category count (exactly-once, commits left to the bounds) stay under ${MAX_RSS_GROWTH / MiB} MiB of RSS growth`, { timeout: 600_000 }, async () => {
    const applicationId = unique('big-keys')
    const input = `${applicationId}-transactions`
    const output = `${applicationId}-counts`
    const stateDir = join(tmpdir(), `${applicationId}-state`)
    await createTopic(input, 2)
    await createTopic(output, 2)
    // One record per request, as a producer with a usual batch.size writes records this large: kafkajs
    // 2.2.4 cannot fetch a record batch larger than maxBytesPerPartition (1 MiB), it fetches it again and again.
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
    await producer.connect()
    try {
      const transactions = [...benchTransactions(CATEGORIES, 5)]
      for (let start = 0; start < CATEGORIES; start += 4) {
        const messages = transactions.slice(start, start + 4).map(({ key, value }, offset) => ({ key, value: JSON.stringify({ ...value, category: `${start + offset}-`.padEnd(CATEGORY_CHARS, 'c') }) }))
        await Promise.all(messages.map((message) => producer.send({ topic: input, messages: [message], acks: -1 })))
      }
    } finally {
      await producer.disconnect()
    }
    try {
      const report = await runChild({
        SLUICE_BROKERS: BROKERS.join(','),
        SLUICE_STATE_DIR: stateDir,
        TEST_APPLICATION_ID: applicationId,
        TEST_INPUT_TOPIC: input,
        TEST_OUTPUT_TOPIC: output,
        TEST_EXPECTED_RECORDS: String(CATEGORIES),
        ...Object.fromEntries(['TEST_UPDATE_CACHE_MAX_BYTES', 'TEST_STORE_CACHE_MAX_BYTES', 'TEST_SEND_BUFFER_MAX_BYTES'].flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : []))),
      })
      process.stderr.write(`large keys: RSS ${Math.round(report.baselineRss / MiB)} MiB -> peak ${Math.round(report.peakRss / MiB)} MiB; held after GC: heap ${Math.round(report.heapUsed / MiB)} MiB, external ${Math.round(report.external / MiB)} MiB\n`)
      expect(report.state, report.error).toBe('RUNNING')
      expect(report.processed).toBeGreaterThanOrEqual(2 * CATEGORIES)
      expect(report.peakRss - report.baselineRss).toBeLessThan(MAX_RSS_GROWTH)
      expect(report.heapUsed + report.external).toBeLessThan(MAX_HELD_AFTER_GC)
    } finally {
      await rm(stateDir, { recursive: true, force: true })
      // 600 MB in each of four topics: not left on the broker's disk.
      await withAdmin(async (admin) => {
        const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(applicationId))
        await admin.deleteTopics({ topics })
      })
    }
  })
})
