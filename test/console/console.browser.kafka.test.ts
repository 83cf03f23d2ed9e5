// The web console of an application running on the broker, in a real headless Chromium: the
// page loads without errors and draws every sub-topology; counts rise as records arrive; the
// store browser finds a key; a poison record shows up as a dead letter; after the state
// directory was wiped, the tasks show RESTORING and then RUNNING. A screenshot of each step is
// kept in test-artifacts/console/.
import { mkdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { KafkaStreams, startConsole, type RunningConsole } from 'sluice'
import { launchChromium } from '../helpers/chromium.js'
import { BROKERS, createTopic, produce, unique, waitFor } from '../integration/kafka-helpers.js'
import { consoleUnderTest } from './fixtures/console-under-test.js'

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'console')
const PARTITIONS = 2
/** Enough distinct keys that restoring their store takes several of the page's polls. */
const RECORDS = 250_000
const CATEGORIES = ['grocery', 'travel', 'gas', 'dining', 'health', 'home', 'kids', 'misc']

let browser: Browser

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true })
  browser = await launchChromium()
}, 900_000)

afterAll(async () => {
  await browser?.close()
})

function payments(from: number, count: number): { key: string; value: string }[] {
  return Array.from({ length: count }, (_, index) => {
    const id = from + index
    return { key: `id-${id}`, value: JSON.stringify({ category: CATEGORIES[id % CATEGORIES.length], amount: (id * 37) % 1000 }) }
  })
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })
}

test('the console of a running application: topology, counts, store browser, dead letters, restore', async () => {
  const applicationId = unique('console')
  const topics = { input: `${applicationId}-payments`, counts: `${applicationId}-counts`, alerts: `${applicationId}-alerts` }
  const deadLetterTopic = `${applicationId}-dead-letters`
  const stateDir = join(tmpdir(), `${applicationId}-state`)
  for (const topic of [topics.input, topics.counts, topics.alerts, deadLetterTopic]) await createTopic(topic, PARTITIONS)
  await produce(topics.input, payments(0, RECORDS))
  const topology = consoleUnderTest(applicationId, topics)
  const config = { brokers: BROKERS, stateDir, deadLetterTopic, log: () => undefined }

  let streams = new KafkaStreams(topology, config)
  let running: RunningConsole = await startConsole(streams, { port: 0, log: () => undefined })
  const port = Number(new URL(running.url).port)
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  const pageErrors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text())
  })
  page.on('pageerror', (error) => pageErrors.push(String(error)))
  try {
    await streams.start()
    await page.goto(running.url)

    // Every sub-topology, with its nodes; no errors on the way.
    await page.waitForSelector('#topology svg g.cluster')
    const clusters = await page.locator('#topology g.cluster').count()
    expect(clusters).toBe(topology.subtopologies.length)
    for (const subtopology of topology.subtopologies) {
      await expect.poll(() => page.locator(`#topology g.cluster[data-subtopology="${subtopology.id}"] text.cluster-label`).textContent()).toBe(`Sub-topology ${subtopology.id}`)
      for (const node of subtopology.nodes) expect(await page.locator(`#topology g.node[data-node="${node.name}"]`).count()).toBeGreaterThan(0)
    }
    await shot(page, '1-loaded')
    expect(pageErrors).toEqual([])

    // Everything processed: the tasks RUNNING, the total on the page.
    const processed = async (): Promise<number> => Number(((await page.locator('[data-total="recordsProcessed"] b').textContent()) ?? '0').replace(/,/g, ''))
    await waitFor(async () => (await processed()) >= 2 * RECORDS, 180_000, 'the page to show every record processed (both sub-topologies)')
    await expect.poll(() => page.locator('#tasks tbody tr[data-task] .badge.state-RUNNING').count(), { timeout: 30_000 }).toBe(topology.subtopologies.length * PARTITIONS)

    // Counts rising as records are produced: the total, and the newest window's bars.
    const before = await processed()
    const barsBefore = await windowTotal(page)
    await produce(topics.input, payments(RECORDS, 4000))
    await waitFor(async () => (await processed()) >= before + 2 * 4000, 60_000, 'the processed total to rise by the new records')
    await waitFor(async () => (await windowTotal(page)) > barsBefore, 60_000, "the newest window's counts to rise")
    expect(await page.locator('#windows [data-window-store="counts-per-category"] .bar-row').count()).toBeGreaterThan(0)
    await expect.poll(() => page.locator('#outputs li.output .level').count(), { timeout: 30_000 }).toBeGreaterThan(0)
    await shot(page, '2-counts-rising')

    // The store browser finds a key.
    await page.selectOption('#store-name', 'seen-ids')
    await page.selectOption('#store-op', 'get')
    await page.fill('#store-key', 'id-4242')
    await page.click('#store-query')
    const row = page.locator('#store-results tr.store-row')
    await expect.poll(() => row.count(), { timeout: 30_000 }).toBe(1)
    expect(await row.locator('td').first().textContent()).toBe('id-4242')
    expect(await row.locator('td').nth(2).textContent()).toBe('1')
    await shot(page, '3-store-browser')

    // A poison record: dead-lettered, and shown with its error headers.
    await produce(topics.input, [{ key: 'poison', value: '{ not json', partition: 1 }])
    const deadLetter = page.locator('#dead-letters tr.dead-letter')
    await expect.poll(() => deadLetter.count(), { timeout: 60_000 }).toBe(1)
    expect(await deadLetter.locator('td').nth(1).textContent()).toMatch(new RegExp(`^${topics.input}-1@\\d+$`))
    expect(await deadLetter.locator('td').nth(2).textContent()).toBe('deserialization-value')
    expect(await deadLetter.locator('td').nth(4).textContent()).toBe('poison')
    await shot(page, '4-dead-letter')
    expect(pageErrors).toEqual([])

    // Stopped, state wiped, started again on the same port: the open page shows the restore.
    await streams.close()
    await running.close()
    await rm(stateDir, { recursive: true, force: true })
    streams = new KafkaStreams(topology, config)
    running = await startConsole(streams, { port, log: () => undefined })
    const started = streams.start()
    await page.waitForSelector('#tasks tbody tr[data-task] .badge.state-RESTORING', { timeout: 120_000 })
    await shot(page, '5-restoring')
    await started
    await expect.poll(() => page.locator('#tasks tbody tr[data-task] .badge.state-RUNNING').count(), { timeout: 60_000 }).toBe(topology.subtopologies.length * PARTITIONS)
    expect(await page.locator('#tasks tbody tr[data-task] .badge.state-RESTORING').count()).toBe(0)
    await shot(page, '6-running-again')
    // The restored store answers as before.
    await page.click('#store-query')
    await expect.poll(() => row.locator('td').nth(2).textContent(), { timeout: 30_000 }).toBe('1')
  } finally {
    await page.close()
    await streams.close()
    await running.close()
    await rm(stateDir, { recursive: true, force: true })
  }
}, 600_000)

/** The sum of the newest window's bars. */
async function windowTotal(page: Page): Promise<number> {
  const values = await page.locator('#windows [data-window="newest"] .bar-row .value').allTextContents()
  return values.reduce((sum, value) => sum + Number(value.replace(/,/g, '')), 0)
}
