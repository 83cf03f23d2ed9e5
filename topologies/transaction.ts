/**
 * A card transaction, with the fields (and names) of the public credit-card fraud simulation
 * data: one row of its CSV. `is_fraud` is the ground-truth label (1 for injected fraud).
 */
export interface Transaction {
  /** Event time as 'YYYY-MM-DD HH:mm:ss' (UTC), the same instant as unix_time. */
  trans_date_trans_time: string
  cc_num: string
  merchant: string
  category: string
  amt: number
  first: string
  last: string
  gender: string
  street: string
  city: string
  state: string
  zip: string
  lat: number
  long: number
  city_pop: number
  job: string
  dob: string
  trans_num: string
  /** Event time in unix seconds. */
  unix_time: number
  merch_lat: number
  merch_long: number
  is_fraud: number
}

/** The 14 merchant categories of the simulation data. */
export const CATEGORIES = [
  'grocery_pos',
  'gas_transport',
  'home',
  'shopping_pos',
  'kids_pets',
  'shopping_net',
  'entertainment',
  'food_dining',
  'personal_care',
  'health_fitness',
  'misc_pos',
  'misc_net',
  'grocery_net',
  'travel',
] as const

export type Category = (typeof CATEGORIES)[number]

/** The Transaction fields in the column order of the simulation data's CSV. */
export const TRANSACTION_FIELDS = [
  'trans_date_trans_time',
  'cc_num',
  'merchant',
  'category',
  'amt',
  'first',
  'last',
  'gender',
  'street',
  'city',
  'state',
  'zip',
  'lat',
  'long',
  'city_pop',
  'job',
  'dob',
  'trans_num',
  'unix_time',
  'merch_lat',
  'merch_long',
  'is_fraud',
] as const satisfies readonly (keyof Transaction)[]

/** 'YYYY-MM-DD HH:mm:ss' in UTC for unix seconds, the simulation data's trans_date_trans_time. */
export function formatTransactionTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 19).replace('T', ' ')
}
