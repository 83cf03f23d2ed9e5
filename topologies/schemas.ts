import { serdes, type Serde } from 'sluice'

/** A card transaction, with the fields of the public credit-card fraud simulation data. */
export interface Transaction {
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
  unix_time: number
  merch_lat: number
  merch_long: number
  is_fraud: number
}

function isTransaction(value: unknown): value is Transaction {
  if (typeof value !== 'object' || value === null) return false
  const tx = value as Partial<Transaction>
  return typeof tx.category === 'string' && typeof tx.unix_time === 'number' && typeof tx.amt === 'number'
}

/** Transactions as JSON; a record without category, unix_time or amt fails to deserialize. */
export const transaction: Serde<Transaction> = serdes.json<Transaction>(isTransaction)
