import { describe, expect, test } from 'vitest'
import { CATEGORIES, type Transaction } from '../../../topologies/transaction.js'
import { FRAUD_FREE_TRANSACTIONS, FRAUD_SHAPE, generateTransactions, type GeneratedTransaction } from '../../../demo/generator/index.js'
import { haversineKm } from '../../../topologies/geo.js'

const COUNT = 60_000
const OPTIONS = { count: COUNT, seed: 7, users: 600 }
const all = [...generateTransactions(OPTIONS)]

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

function byCard(records: readonly GeneratedTransaction[]): Map<string, GeneratedTransaction[]> {
  const cards = new Map<string, GeneratedTransaction[]>()
  for (const record of records) {
    const list = cards.get(record.transaction.cc_num) ?? []
    list.push(record)
    cards.set(record.transaction.cc_num, list)
  }
  return cards
}

describe('generateTransactions', () => {
  test('the same seed gives the same output, another seed another', () => {
    // Compared as text: a failing deep equality over 60 000 records would take minutes to print.
    const again = [...generateTransactions(OPTIONS)]
    expect(JSON.stringify(again) === JSON.stringify(all)).toBe(true)
    const other = [...generateTransactions({ ...OPTIONS, seed: 8 })]
    expect(JSON.stringify(other) === JSON.stringify(all)).toBe(false)
    expect(other.filter((record, i) => record.transaction.cc_num === all[i].transaction.cc_num).length).toBeLessThan(500)
    const ours = new Set(all.map((record) => record.transaction.trans_num))
    expect(other.filter((record) => ours.has(record.transaction.trans_num))).toEqual([])
  })

  test('writes exactly count records, with every field of the simulation data and its type', () => {
    expect(all).toHaveLength(COUNT)
    const types: Record<keyof Transaction, string> = {
      trans_date_trans_time: 'string', cc_num: 'string', merchant: 'string', category: 'string', amt: 'number', first: 'string', last: 'string',
      gender: 'string', street: 'string', city: 'string', state: 'string', zip: 'string', lat: 'number', long: 'number', city_pop: 'number',
      job: 'string', dob: 'string', trans_num: 'string', unix_time: 'number', merch_lat: 'number', merch_long: 'number', is_fraud: 'number',
    }
    const trans = new Set<string>()
    const problems = new Set<string>()
    const fields = Object.keys(types).sort().join()
    for (const { transaction } of all) {
      if (Object.keys(transaction).sort().join() !== fields) problems.add(`fields ${Object.keys(transaction).join()}`)
      for (const [field, type] of Object.entries(types)) if (typeof transaction[field as keyof Transaction] !== type) problems.add(`${field} not a ${type}`)
      if (!/^\d{16}$/.test(transaction.cc_num)) problems.add('cc_num')
      if (!/^[0-9a-f]{32}$/.test(transaction.trans_num)) problems.add('trans_num')
      if (!/^\d{4}-\d{2}-\d{2}$/.test(transaction.dob)) problems.add('dob')
      if (!/^\d{5}$/.test(transaction.zip)) problems.add('zip')
      if (!['F', 'M'].includes(transaction.gender)) problems.add('gender')
      if (!(transaction.amt >= 1) || Math.round(transaction.amt * 100) / 100 !== transaction.amt) problems.add(`amt ${transaction.amt}`)
      if (!Number.isInteger(transaction.unix_time)) problems.add('unix_time')
      if (transaction.is_fraud !== 0 && transaction.is_fraud !== 1) problems.add('is_fraud')
      if (!transaction.merchant || !transaction.first || !transaction.last || !transaction.street || !transaction.city || !transaction.job) problems.add('empty string')
      trans.add(transaction.trans_num)
    }
    expect([...problems]).toEqual([])
    expect(trans.size).toBe(COUNT)
  })

  test('event time increases, and trans_date_trans_time is unix_time as YYYY-MM-DD HH:mm:ss', () => {
    expect(all.findIndex((record, i) => i > 0 && record.transaction.unix_time < all[i - 1].transaction.unix_time)).toBe(-1)
    expect(all[0].transaction.unix_time).toBeGreaterThanOrEqual(1_704_067_200)
    for (const { transaction } of all.slice(0, 1000)) {
      expect(transaction.trans_date_trans_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)
      expect(Date.parse(`${transaction.trans_date_trans_time.replace(' ', 'T')}Z`) / 1000).toBe(transaction.unix_time)
    }
    // The default density is a few transactions per card holder per day.
    const days = (all.at(-1)!.transaction.unix_time - all[0].transaction.unix_time) / 86_400
    const perUserPerDay = COUNT / byCard(all).size / days
    expect(perUserPerDay).toBeGreaterThan(1)
    expect(perUserPerDay).toBeLessThan(8)
  })

  test('startTime and ratePerSecond set the event-time span (ratePerSecond is a mean over the day)', () => {
    const records = [...generateTransactions({ count: 20_000, seed: 1, users: 200, startTime: 1_600_000_000, ratePerSecond: 0.1 })]
    expect(records[0].transaction.unix_time).toBeGreaterThanOrEqual(1_600_000_000)
    const span = records.at(-1)!.transaction.unix_time - 1_600_000_000
    expect(span).toBeGreaterThan(160_000)
    expect(span).toBeLessThan(250_000)
  })

  test('all 14 categories appear, and users have their own habits', () => {
    expect(CATEGORIES).toHaveLength(14)
    expect(new Set(all.map((record) => record.transaction.category))).toEqual(new Set(CATEGORIES))
    const cards = byCard(all)
    expect(cards.size).toBe(600)
    // Users differ: their median genuine amounts spread widely, and each user's home is fixed.
    const medians = [...cards.values()].map((records) => median(records.filter((r) => !r.fraudKind).map((r) => r.transaction.amt)))
    expect(Math.max(...medians) / Math.min(...medians)).toBeGreaterThan(3)
    for (const records of cards.values()) {
      expect(new Set(records.map((r) => `${r.transaction.lat},${r.transaction.long},${r.transaction.first},${r.transaction.last}`)).size).toBe(1)
    }
  })

  test('the users option sets the number of card holders', () => {
    expect(byCard([...generateTransactions({ count: 2000, seed: 3, users: 25 })]).size).toBe(25)
  })

  test('the fraud rate is roughly as configured, and labels agree with is_fraud', () => {
    for (const { transaction, fraudKind } of all) expect(transaction.is_fraud).toBe(fraudKind ? 1 : 0)
    const fraud = all.filter((record) => record.fraudKind)
    expect(fraud.length / COUNT).toBeGreaterThan(0.008)
    expect(fraud.length / COUNT).toBeLessThan(0.012)
    for (const kind of ['amount_spike', 'burst', 'far_merchant'] as const) expect(fraud.filter((record) => record.fraudKind === kind).length).toBeGreaterThan(50)

    const higher = [...generateTransactions({ count: 20_000, seed: 7, fraudRate: 0.05 })].filter((record) => record.fraudKind).length / 20_000
    expect(higher).toBeGreaterThan(0.04)
    expect(higher).toBeLessThan(0.06)
    expect([...generateTransactions({ count: 5000, seed: 7, fraudRate: 0 })].some((record) => record.fraudKind)).toBe(false)
  })

  test('no fraud among a user’s first transactions', () => {
    for (const records of byCard(all).values()) {
      expect(records.slice(0, FRAUD_FREE_TRANSACTIONS).some((record) => record.fraudKind)).toBe(false)
    }
  })

  test('an amount spike is 5-20x the user’s median genuine amount so far', () => {
    let spikes = 0
    for (const records of byCard(all).values()) {
      const genuine: number[] = []
      for (const { transaction, fraudKind } of records) {
        if (fraudKind === 'amount_spike') {
          spikes++
          expect(transaction.amt).toBeGreaterThanOrEqual(FRAUD_SHAPE.spikeFactor.min * median(genuine))
          expect(transaction.amt).toBeLessThanOrEqual(FRAUD_SHAPE.spikeFactor.max * median(genuine) + 0.01)
        }
        if (!fraudKind) genuine.push(transaction.amt)
      }
    }
    expect(spikes).toBeGreaterThan(50)
  })

  test('a burst is several transactions within a few minutes, and the card holder is quiet around it', () => {
    let bursts = 0
    for (const records of byCard(all).values()) {
      for (let i = 0; i < records.length; i++) {
        if (records[i].fraudKind !== 'burst' || records[i - 1]?.fraudKind === 'burst') continue
        let end = i
        while (records[end + 1]?.fraudKind === 'burst') end++
        const size = end - i + 1
        // A burst cut short by the end of the run may be smaller.
        if (end + 1 < records.length) {
          bursts++
          expect(size).toBeGreaterThanOrEqual(FRAUD_SHAPE.burstSize.min)
          expect(size).toBeLessThanOrEqual(FRAUD_SHAPE.burstSize.max)
          expect(records[end + 1].transaction.unix_time - records[end].transaction.unix_time).toBeGreaterThanOrEqual(FRAUD_SHAPE.quietAfterBurstSeconds)
        }
        expect(records[end].transaction.unix_time - records[i].transaction.unix_time).toBeLessThanOrEqual(5 * 60)
        i = end
      }
    }
    expect(bursts).toBeGreaterThan(10)
  })

  test('far-merchant fraud is hundreds of km from home; genuine merchants are within 50 km', () => {
    let far = 0
    for (const { transaction: t, fraudKind } of all) {
      const km = haversineKm(t.lat, t.long, t.merch_lat, t.merch_long)
      if (fraudKind === 'far_merchant') {
        far++
        expect(km).toBeGreaterThanOrEqual(FRAUD_SHAPE.farMerchantMinKm)
      } else {
        expect(km).toBeLessThanOrEqual(FRAUD_SHAPE.localMerchantMaxKm)
      }
    }
    expect(far).toBeGreaterThan(50)
  })

  test('haversine distances', () => {
    expect(haversineKm(40.7128, -74.006, 34.0522, -118.2437)).toBeCloseTo(3936, -1)
    expect(haversineKm(10, 10, 10, 10)).toBe(0)
  })
})
