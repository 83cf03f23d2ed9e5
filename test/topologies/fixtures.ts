import type { Transaction } from '../../topologies/schemas.js'

export const HOME = { lat: 40.0, long: -75.0 }
export const DAY = 86_400
export const START = 1_700_000_000

let serial = 0

/** A transaction of one user near home; override what the test is about. */
export function tx(overrides: Partial<Transaction> = {}): Transaction {
  serial++
  const unix = overrides.unix_time ?? START + serial * DAY
  return {
    trans_date_trans_time: new Date(unix * 1000).toISOString().slice(0, 19).replace('T', ' '),
    cc_num: '4000000000000001',
    merchant: `fraud_Merchant ${serial % 7}`,
    category: 'grocery_pos',
    amt: 50,
    first: 'Ada',
    last: 'Lovelace',
    gender: 'F',
    street: '1 Main St',
    city: 'Town',
    state: 'PA',
    zip: '19000',
    lat: HOME.lat,
    long: HOME.long,
    city_pop: 10_000,
    job: 'Engineer',
    dob: '1980-01-01',
    trans_num: `t${serial.toString().padStart(6, '0')}`,
    unix_time: unix,
    merch_lat: HOME.lat + ((serial % 5) - 2) * 0.08,
    merch_long: HOME.long + ((serial % 3) - 1) * 0.1,
    is_fraud: 0,
    ...overrides,
  }
}

/** Ordinary amounts around 50 (x0.6 .. x1.6), one a day, near home. */
export function normalHistory(count: number, cc_num = '4000000000000001', startDay = 0): Transaction[] {
  const factors = [1, 0.7, 1.3, 0.9, 1.6, 0.6, 1.1, 1.2, 0.8, 1.4]
  return Array.from({ length: count }, (_, i) => tx({ cc_num, amt: Math.round(50 * factors[i % factors.length] * 100) / 100, unix_time: START + (startDay + i) * DAY + 3600 * (i % 12) }))
}
