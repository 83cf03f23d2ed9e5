import type { Transaction } from '../topologies/schemas.js'

const CATEGORIES = ['grocery_pos', 'gas_transport', 'home', 'shopping_pos', 'kids_pets', 'shopping_net', 'entertainment', 'food_dining', 'personal_care', 'health_fitness', 'misc_pos', 'misc_net', 'grocery_net', 'travel']

/** How the generated history is shaped: card holders, and the mean event-time step between two transactions. */
export interface HistoryShape {
  readonly users: number
  readonly meanStepSeconds: number
}

/** The light case: 5,000 card holders, 0.3 s apart on average (1M transactions span 3.5 days). */
export const LIGHT_HISTORY: HistoryShape = { users: 5000, meanStepSeconds: 0.3 }

/**
 * A small seeded generator of plausible transactions for benchmarks (not the shipped generator).
 * Event time moves by whole seconds: one second with probability meanStepSeconds when that is
 * below 1, else a uniform step averaging it.
 */
export function* benchTransactions(count: number, seed = 42, shape: HistoryShape = LIGHT_HISTORY): Generator<{ key: string; value: Transaction }> {
  let state = seed >>> 0
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  let unixTime = 1_700_000_000
  for (let i = 0; i < count; i++) {
    const draw = random()
    unixTime += shape.meanStepSeconds < 1 ? (draw < shape.meanStepSeconds ? 1 : 0) : Math.floor(draw * 2 * shape.meanStepSeconds + 0.5)
    const cc = String(4000_0000_0000_0000 + Math.floor(random() * shape.users))
    yield {
      key: cc,
      value: {
        trans_date_trans_time: new Date(unixTime * 1000).toISOString(),
        cc_num: cc,
        merchant: `merchant_${Math.floor(random() * 500)}`,
        category: CATEGORIES[Math.floor(random() * CATEGORIES.length)],
        amt: Math.round(random() * 20000) / 100,
        first: 'Jane',
        last: 'Doe',
        gender: 'F',
        street: '1 Main St',
        city: 'Springfield',
        state: 'IL',
        zip: '62701',
        lat: 39.78,
        long: -89.65,
        city_pop: 116250,
        job: 'Engineer',
        dob: '1980-01-01',
        trans_num: `t${i}`,
        unix_time: unixTime,
        merch_lat: 39.8,
        merch_long: -89.6,
        is_fraud: 0,
      },
    }
  }
}
