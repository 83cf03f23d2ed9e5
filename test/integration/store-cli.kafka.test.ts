import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { benchTransactions } from '../../bench/transactions.js'
import { createTopic, groupLag, produce, SluiceProcess, unique, waitFor } from './kafka-helpers.js'
import { fileFingerprints, sluice, sluiceJson } from './store-helpers.js'

const CATEGORY_COUNTS = fileURLToPath(new URL('./fixtures/category-counts-under-test.ts', import.meta.url))
const WORD_COUNTS = fileURLToPath(new URL('./fixtures/word-counts-under-test.ts', import.meta.url))
const WINDOW_MS = 60_000

interface Row {
  task: string
  key: unknown
  window?: { start: number; end: number }
  value: unknown
}
interface Rows {
  store: string
  type: string
  rows: Row[]
}
interface Count {
  count: number
  perTask: { task: string; count: number }[]
}
interface Listing {
  application: string
  stores: { name: string; type: string; changelog: string; tasks: { task: string; approximateEntries: number }[] }[]
}

function referenceCounts(records: readonly { unixTime: number; category: string }[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const { unixTime, category } of records) {
    const key = `${category}@${Math.floor((unixTime * 1000) / WINDOW_MS) * WINDOW_MS}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return counts
}

function storedCounts(result: Rows): Map<string, number> {
  return new Map(result.rows.map((row) => [`${String(row.key)}@${row.window?.start}`, row.value as number]))
}

function transactions(count: number, seed: number) {
  return [...benchTransactions(count, seed)].map(({ key, value }) => ({ key, value: JSON.stringify(value), unixTime: value.unix_time, category: value.category }))
}

describe('sluice store on a stopped application', () => {
  test('window store of the category count: ls, fetch, count equal the reference; files untouched; the app restarts on them', async () => {
    const applicationId = unique('store-cc')
    const input = `${applicationId}-transactions`
    const stateDir = join(tmpdir(), `${applicationId}-state`)
    const env = {
      TEST_APPLICATION_ID: applicationId,
      TEST_INPUT_TOPIC: input,
      TEST_OUTPUT_TOPIC: `${applicationId}-counts`,
      TEST_GRACE: '30d',
      SLUICE_STATE_DIR: stateDir,
    }
    const topics = [input, `${applicationId}-transactions-by-category-repartition`]
    await createTopic(input, 3)
    await createTopic(env.TEST_OUTPUT_TOPIC, 3)
    const first = transactions(3000, 11)
    await produce(input, first)
    const runUntilConsumed = async (): Promise<void> => {
      const app = new SluiceProcess(CATEGORY_COUNTS, env)
      try {
        await waitFor(async () => (await groupLag(applicationId, topics)) === 0, 120_000, 'everything consumed')
      } finally {
        app.kill('SIGTERM')
        expect(await app.exited, app.output.join('')).toBe(0)
      }
    }
    try {
      await runUntilConsumed()
      const before = await fileFingerprints(join(stateDir, applicationId))
      expect([...before.keys()].some((path) => path.endsWith('.ldb') || path.endsWith('.log'))).toBe(true)

      const listing = await sluiceJson<Listing>(['store', CATEGORY_COUNTS, 'ls'], env)
      expect(listing.stores).toHaveLength(1)
      const [store] = listing.stores
      expect(store).toMatchObject({ name: 'counts-per-category', type: 'window', changelog: `${applicationId}-counts-per-category-changelog` })
      expect(store.tasks.map((task) => task.task)).toEqual(['1_0', '1_1', '1_2'])
      const reference = referenceCounts(first)
      expect(store.tasks.reduce((sum, task) => sum + task.approximateEntries, 0)).toBe(reference.size)

      const all = await sluiceJson<Rows>(['store', CATEGORY_COUNTS, 'fetch', 'counts-per-category'], env)
      expect(all.type).toBe('window')
      expect(storedCounts(all)).toEqual(reference)
      for (const row of all.rows) expect(row.window?.end).toBe((row.window?.start ?? 0) + WINDOW_MS)

      // One key, within time bounds (ISO and epoch ms both accepted).
      const starts = [...new Set([...reference.keys()].map((key) => Number(key.split('@')[1])))].sort((a, b) => a - b)
      const [from, to] = [starts[2], starts[5]]
      const grocery = await sluiceJson<Rows>(['store', CATEGORY_COUNTS, 'fetch', 'counts-per-category', 'grocery_pos', '--from', new Date(from).toISOString(), '--to', String(to)], env)
      const expected = [...reference].filter(([key]) => key.startsWith('grocery_pos@') && Number(key.split('@')[1]) >= from && Number(key.split('@')[1]) <= to)
      expect(grocery.rows.length).toBe(4)
      expect(storedCounts(grocery)).toEqual(new Map(expected))

      const count = await sluiceJson<Count>(['store', CATEGORY_COUNTS, 'count', 'counts-per-category'], env)
      expect(count.count).toBe(reference.size)

      const table = await sluice(['store', CATEGORY_COUNTS, 'fetch', 'counts-per-category', 'travel', '--to', String(starts[0])], env)
      expect(table.code, table.stderr).toBe(0)
      expect(table.stdout.split('\n')[0]).toMatch(/^task\s+key\s+window start\s+window end\s+value$/)
      expect(table.stdout).toContain(`travel  ${new Date(starts[0]).toISOString()}`)

      const wrongOperation = await sluice(['store', CATEGORY_COUNTS, 'get', 'counts-per-category', 'travel'], env)
      expect(wrongOperation.code).toBe(1)
      expect(wrongOperation.stderr).toMatch(/window store: use fetch/)
      const unknown = await sluice(['store', CATEGORY_COUNTS, 'count', 'no-such-store'], env)
      expect(unknown.stderr, JSON.stringify(unknown)).toMatch(/has no store "no-such-store"; its stores: counts-per-category/)

      // Reading opened copies only: the original LevelDB files are byte for byte the same.
      expect(await fileFingerprints(join(stateDir, applicationId))).toEqual(before)

      // The application restarts on the same files and keeps counting from them.
      const second = transactions(1500, 12)
      await produce(input, second)
      await runUntilConsumed()
      const after = await sluiceJson<Rows>(['store', CATEGORY_COUNTS, 'fetch', 'counts-per-category'], env)
      expect(storedCounts(after)).toEqual(referenceCounts([...first, ...second]))
    } finally {
      await rm(stateDir, { recursive: true, force: true })
    }
  })
})

describe('sluice store on a running application', () => {
  test('a locked store suggests HTTP; with --query-port the CLI reads the running app over HTTP (found from the state directory or --url)', async () => {
    const applicationId = unique('store-words')
    const input = `${applicationId}-words`
    const stateDir = join(tmpdir(), `${applicationId}-state`)
    const env = { TEST_APPLICATION_ID: applicationId, TEST_INPUT_TOPIC: input, TEST_OUTPUT_TOPIC: `${applicationId}-counts`, SLUICE_STATE_DIR: stateDir }
    await createTopic(input, 2)
    await createTopic(env.TEST_OUTPUT_TOPIC, 2)
    const words = ['apple', 'banana', 'blueberry', 'cherry', 'date', 'apple', 'banana', 'apple', 'blackberry', 'banana', 'apple']
    const expected = new Map<string, number>()
    for (const word of words) expected.set(word, (expected.get(word) ?? 0) + 1)
    await produce(input, words.map((word) => ({ key: word, value: word })))
    const consumed = (): Promise<void> => waitFor(async () => (await groupLag(applicationId, [input])) === 0, 120_000, 'words consumed')

    const plain = new SluiceProcess(WORD_COUNTS, env)
    try {
      await consumed()
      const locked = await sluice(['store', WORD_COUNTS, 'ls'], env)
      expect(locked.code).toBe(1)
      expect(locked.stderr).toMatch(/locked by a running process \(pid \d+\).*--query-port/)
    } finally {
      plain.kill('SIGTERM')
      expect(await plain.exited, plain.output.join('')).toBe(0)
    }

    // The app requires a token; the CLI sends the one in its environment (or --query-token).
    const authed = { ...env, SLUICE_QUERY_TOKEN: 'cli-token' }
    const app = new SluiceProcess(WORD_COUNTS, { ...authed, SLUICE_QUERY_PORT: '0' })
    try {
      await app.waitForOutput(/store queries at http:\/\/127\.0\.0\.1:\d+/)
      const url = /store queries at (http:\/\/127\.0\.0\.1:\d+)/.exec(app.output.join(''))?.[1] as string
      await produce(input, [{ key: 'cherry', value: 'cherry' }, { key: 'elderberry', value: 'elderberry' }])
      expected.set('cherry', 2).set('elderberry', 1)
      await consumed()

      // No --url: the CLI finds the running application's endpoint in its state directory.
      const apple = await sluiceJson<Rows>(['store', WORD_COUNTS, 'get', 'word-counts', 'apple'], authed)
      expect(apple.rows).toHaveLength(1)
      expect(apple.rows[0]).toMatchObject({ key: 'apple', value: 4 })
      expect(apple.rows[0].task).toMatch(/^0_[01]$/)

      const all = await sluiceJson<Rows>(['store', WORD_COUNTS, 'range', 'word-counts', '--url', url], authed)
      expect(new Map(all.rows.map((row) => [row.key, row.value]))).toEqual(expected)
      const range = await sluiceJson<Rows>(['store', WORD_COUNTS, 'range', 'word-counts', '--from', 'b', '--to', 'cherry', '--url', url], authed)
      expect(range.rows.map((row) => row.key).sort()).toEqual(['banana', 'blackberry', 'blueberry', 'cherry'])
      const prefix = await sluiceJson<Rows>(['store', WORD_COUNTS, 'prefix', 'word-counts', 'bl', '--url', url], authed)
      expect(prefix.rows.map((row) => row.key).sort()).toEqual(['blackberry', 'blueberry'])
      const count = await sluiceJson<Count>(['store', WORD_COUNTS, 'count', 'word-counts', '--url', url], authed)
      expect(count.count).toBe(expected.size)
      const listing = await sluiceJson<Listing>(['store', WORD_COUNTS, 'ls', '--url', url], authed)
      expect(listing.stores[0].tasks.map((task) => task.task)).toEqual(['0_0', '0_1'])

      const missing = await sluiceJson<Rows>(['store', WORD_COUNTS, 'get', 'word-counts', 'kiwi', '--url', url], authed)
      expect(missing.rows).toEqual([])
      const table = await sluice(['store', WORD_COUNTS, 'get', 'word-counts', 'banana', '--url', url], authed)
      expect(table.stdout).toMatch(/^task\s+key\s+value\n0_[01]\s+banana\s+3\n$/)

      // Read-only: anything but GET is refused.
      const post = await fetch(`${url}/stores/word-counts/get?key=apple`, { method: 'POST', headers: { authorization: 'Bearer cli-token' } })
      expect(post.status).toBe(405)

      // Without the token: refused, and the CLI says why.
      const refused = await sluice(['store', WORD_COUNTS, 'get', 'word-counts', 'apple', '--url', url], env)
      expect(refused.code).toBe(1)
      expect(refused.stderr).toMatch(/401: this query server needs a token/)
      const flagged = await sluiceJson<Rows>(['store', WORD_COUNTS, 'get', 'word-counts', 'apple', '--url', url, '--query-token', 'cli-token'], env)
      expect(flagged.rows[0]).toMatchObject({ key: 'apple', value: 4 })

      // One page with --limit, the next with --cursor: every word once, in order.
      const first = await sluiceJson<Rows & { next?: string }>(['store', WORD_COUNTS, 'range', 'word-counts', '--limit', '4', '--url', url], authed)
      expect(first.rows).toHaveLength(4)
      const paged = [...first.rows]
      let next = first.next
      while (next !== undefined) {
        const page = await sluiceJson<Rows & { next?: string }>(['store', WORD_COUNTS, 'range', 'word-counts', '--limit', '4', '--cursor', next, '--url', url], authed)
        paged.push(...page.rows)
        next = page.next
      }
      expect(paged.map((row) => row.key)).toEqual(all.rows.map((row) => row.key))
      const tablePage = await sluice(['store', WORD_COUNTS, 'range', 'word-counts', '--limit', '2', '--url', url], authed)
      expect(tablePage.stdout.trim().split('\n')).toHaveLength(3)
      expect(tablePage.stderr).toMatch(/more entries follow: add --cursor 0_\d\.\S+/)
    } finally {
      app.kill('SIGTERM')
      expect(await app.exited, app.output.join('')).toBe(0)
    }
    // Stopped: the endpoint file is gone and the local files give the same answers.
    expect(existsSync(join(stateDir, applicationId, '.sluice-query.json'))).toBe(false)
    const stopped = await sluiceJson<Rows>(['store', WORD_COUNTS, 'range', 'word-counts'], env)
    expect(new Map(stopped.rows.map((row) => [row.key, row.value]))).toEqual(expected)
    // Pages of a stopped application's store continue the same way.
    const stoppedPage = await sluiceJson<Rows & { next?: string }>(['store', WORD_COUNTS, 'range', 'word-counts', '--limit', '3'], env)
    expect(stoppedPage.rows.map((row) => row.key)).toEqual(stopped.rows.slice(0, 3).map((row) => row.key))
    const stoppedRest = await sluiceJson<Rows>(['store', WORD_COUNTS, 'range', 'word-counts', '--limit', '100', '--cursor', stoppedPage.next as string], env)
    expect(stoppedRest.rows.map((row) => row.key)).toEqual(stopped.rows.slice(3).map((row) => row.key))
    await rm(stateDir, { recursive: true, force: true })
  })
})
