import { describe, expect, test } from 'vitest'
import { serdes } from 'sluice'
import { TopologyTestDriver, type TestRecord } from 'sluice/testing'
import categoryCountsTopology from '../../topologies/category-counts.js'
import { transaction, type Transaction } from '../../topologies/schemas.js'
import { BACKENDS, collect } from '../helpers/driver.js'
import { prng } from '../state/helpers.js'

const RECORDS = 100_000
const CHUNK = 5_000
const WINDOW_MS = 60_000 // category-counts: tumbling 1m windows
const GRACE_MS = 10_000 // with 10s grace
const CATEGORIES = [
  'entertainment',
  'food_dining',
  'gas_transport',
  'grocery_net',
  'grocery_pos',
  'health_fitness',
  'home',
  'kids_pets',
  'misc_net',
  'misc_pos',
  'personal_care',
  'shopping_net',
  'shopping_pos',
  'travel',
] as const

/**
 * Transactions with timestamps (unix_time, in seconds) that mostly increase; about 7% arrive
 * out of order by 1-9 s (always within grace), about 3% arrive 70-369 s late (beyond grace),
 * about 5% 1-80 s behind (either side of their window's close, some exactly at it), and now
 * and then the clock jumps ahead.
 */
function generateTransactions(count: number, seed: number): Transaction[] {
  const random = prng(seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]
  let clock = 1_700_000_000
  const transactions: Transaction[] = []
  for (let i = 0; i < count; i++) {
    const roll = random()
    let unixTime: number
    if (roll < 0.03) unixTime = clock - 70 - Math.floor(random() * 300)
    else if (roll < 0.1) unixTime = clock - 1 - Math.floor(random() * 9)
    else if (roll < 0.15) unixTime = clock - 1 - Math.floor(random() * 80) // either side of the close
    else {
      clock += roll > 0.9995 ? 120 + Math.floor(random() * 600) : Math.floor(random() * 2)
      unixTime = clock
    }
    const amount = Math.round(random() * 500_00) / 100
    transactions.push({
      trans_date_trans_time: new Date(unixTime * 1000).toISOString().replace('T', ' ').slice(0, 19),
      cc_num: String(4_000_000_000_000 + Math.floor(random() * 1_000_000)),
      merchant: `fraud_${pick(['Kirlin', 'Sporer', 'Swaniawski', 'Haley', 'Keeling'])}`,
      category: pick(CATEGORIES),
      amt: amount,
      first: pick(['Jennifer', 'Stephanie', 'Edward', 'Jeremy', 'Tyler']),
      last: pick(['Banks', 'Gill', 'Sanchez', 'White', 'Garcia']),
      gender: pick(['F', 'M']),
      street: `${Math.floor(random() * 1000)} Main St`,
      city: pick(['Moravian Falls', 'Orient', 'Malad City', 'Boulder']),
      state: pick(['NC', 'WA', 'ID', 'MT']),
      zip: String(10_000 + Math.floor(random() * 89_999)),
      lat: 30 + random() * 20,
      long: -120 + random() * 40,
      city_pop: Math.floor(random() * 100_000),
      job: 'Psychologist, counselling',
      dob: '1988-03-09',
      trans_num: `${i.toString(16).padStart(8, '0')}${Math.floor(random() * 2 ** 32).toString(16)}`,
      unix_time: unixTime,
      merch_lat: 30 + random() * 20,
      merch_long: -120 + random() * 40,
      is_fraud: random() < 0.01 ? 1 : 0,
    })
  }
  return transactions
}

/**
 * The plain reference: counts per (category, window start), written without Sluice. Stream time
 * is the largest timestamp seen so far (after repartitioning every record goes through one
 * task, in input order); a record is late when stream time >= its window end + grace.
 */
class ReferenceCount {
  readonly counts = new Map<string, number>()
  maxTimestamp = -Infinity
  maxAcceptedWindowStart = -Infinity
  late = 0
  /** Late records that arrived when stream time was exactly their window's end + grace. */
  lateAtClose = 0
  /** Accepted records of windows one second (the timestamps' resolution) before closing. */
  acceptedAtLastSecond = 0

  add(tx: Transaction): void {
    const timestamp = tx.unix_time * 1000
    this.maxTimestamp = Math.max(this.maxTimestamp, timestamp)
    const windowStart = Math.floor(timestamp / WINDOW_MS) * WINDOW_MS
    const closesAt = windowStart + WINDOW_MS + GRACE_MS
    if (this.maxTimestamp >= closesAt) {
      this.late++
      if (this.maxTimestamp === closesAt) this.lateAtClose++
      return
    }
    if (this.maxTimestamp === closesAt - 1000) this.acceptedAtLastSecond++
    this.maxAcceptedWindowStart = Math.max(this.maxAcceptedWindowStart, windowStart)
    const key = `${tx.category}@${windowStart}`
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
  }

  /**
   * The windows a window store with retention = size + grace still holds: those whose start +
   * retention is after the newest window start it was given.
   */
  liveWindows(): [string, number][] {
    return [...this.counts].filter(([key]) => Number(key.split('@')[1]) + WINDOW_MS + GRACE_MS > this.maxAcceptedWindowStart)
  }
}

const sorted = (list: Iterable<[string, number]>) => [...list].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

describe.each(BACKENDS)('category-counts over 100,000 generated transactions on %s', (backend) => {
  test('equals an independent reference computation, in the output topic and in the window store', { timeout: 300_000 }, async () => {
    const transactions = generateTransactions(RECORDS, 20_240_601)
    const reference = new ReferenceCount()
    const driver = await TopologyTestDriver.create(categoryCountsTopology, { backend })
    try {
      const input = driver.createInputTopic('transactions', serdes.string(), transaction)
      const output = driver.createOutputTopic('category-counts', serdes.windowed(serdes.string()), serdes.long())
      const store = driver.getWindowStore<string, number>('counts-per-category')
      const latest = new Map<string, number>()
      let emitted = 0
      for (let start = 0; start < transactions.length; start += CHUNK) {
        const chunk = transactions.slice(start, start + CHUNK)
        await input.pipeRecords(chunk.map((tx): TestRecord<string, Transaction> => ({ key: tx.cc_num, value: tx })))
        for (const tx of chunk) reference.add(tx)

        for (const { key, value } of output.readKeyValuesToList()) {
          expect(key.window.end - key.window.start).toBe(WINDOW_MS)
          latest.set(`${key.key}@${key.window.start}`, value)
          emitted++
        }
        // The store after every chunk: exactly the reference's live windows.
        const stored = (await collect(store.all())).map(({ key, value }): [string, number] => [`${key.key}@${key.window.start}`, value])
        expect(sorted(stored)).toEqual(sorted(reference.liveWindows()))
      }

      // The generator produced what it promises.
      expect(new Set(transactions.map((tx) => tx.category)).size).toBe(CATEGORIES.length)
      expect(reference.late).toBeGreaterThan(RECORDS * 0.02)
      expect(reference.lateAtClose).toBeGreaterThan(20)
      expect(reference.acceptedAtLastSecond).toBeGreaterThan(20)
      expect(reference.counts.size).toBeGreaterThan(5_000)
      const outOfOrder = transactions.filter((tx, i) => i > 0 && tx.unix_time < transactions[i - 1].unix_time).length
      expect(outOfOrder).toBeGreaterThan(RECORDS * 0.08)

      expect(sorted(latest)).toEqual(sorted(reference.counts))
      expect(emitted).toBe(RECORDS - reference.late)
      const metrics = driver.metrics()
      expect(metrics.lateRecordsDropped).toBe(reference.late)
      // Two tasks each take every record: the source's, then the repartition topic's.
      expect(metrics.recordsProcessed).toBe(2 * RECORDS)
      expect(driver.topicContents('category-counts-transactions-by-category-repartition')).toHaveLength(RECORDS)
    } finally {
      await driver.close()
    }
  })
})
