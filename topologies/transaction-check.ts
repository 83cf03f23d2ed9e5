import type { Transaction } from './transaction.js'

/**
 * What the shipped topologies require of a transaction, field by field: every field they read.
 * Valid JSON can still blind a detector (a NaN amount or a missing coordinate poisons a card's
 * profile for good), so a transaction that fails any check is refused when it is read, with
 * the field and the reason, and lands in the dead-letter topic instead.
 */

type FieldCheck = (value: unknown) => string | undefined

/** Text Sluice uses as a key or label: a non-empty string without control characters. */
const MAX_TEXT = 200
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/

function text(value: unknown, { required }: { required: boolean }): string | undefined {
  if (typeof value !== 'string') return 'must be a string'
  if (required && value.trim() === '') return 'must not be empty'
  if (value.length > MAX_TEXT) return `must be at most ${MAX_TEXT} characters`
  if (CONTROL.test(value)) return 'must not contain control characters'
  return undefined
}

function finite(value: unknown): string | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a finite number'
}

function within(min: number, max: number, unit: string): FieldCheck {
  return (value) => finite(value) ?? ((value as number) < min || (value as number) > max ? `must be between ${min} and ${max} ${unit}` : undefined)
}

/** Seconds from 1970 up to the largest instant a JS Date holds: the event time and the alert's timestamptz. */
const MAX_UNIX_SECONDS = 8.64e12

const FIELD_CHECKS: readonly (readonly [keyof Transaction, FieldCheck])[] = [
  ['cc_num', (value) => text(value, { required: true })],
  ['trans_num', (value) => text(value, { required: true })],
  ['category', (value) => text(value, { required: true })],
  ['merchant', (value) => text(value, { required: false })],
  ['trans_date_trans_time', (value) => text(value, { required: false })],
  ['amt', finite],
  ['unix_time', within(0, MAX_UNIX_SECONDS, 'seconds')],
  ['lat', within(-90, 90, 'degrees')],
  ['long', within(-180, 180, 'degrees')],
  ['merch_lat', within(-90, 90, 'degrees')],
  ['merch_long', within(-180, 180, 'degrees')],
]

function shown(value: unknown): string {
  if (value === undefined) return 'missing'
  if (typeof value === 'number') return String(value) // JSON.stringify would show Infinity and NaN as null
  const json = JSON.stringify(value)
  return json.length > 40 ? `${json.slice(0, 40)}…` : json
}

/** Every problem of a value read as a transaction, as `field "x" must be ..., got ...`; empty when it is fine. */
export function transactionProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`a transaction must be a JSON object, got ${shown(value)}`]
  const fields = value as { [field: string]: unknown }
  const problems: string[] = []
  for (const [field, check] of FIELD_CHECKS) {
    const found = Object.hasOwn(fields, field) ? fields[field] : undefined
    const problem = check(found)
    if (problem !== undefined) problems.push(`field "${field}" ${problem}, got ${shown(found)}`)
  }
  return problems
}

/** A validator for serdes: throws an Error naming every failing field, so the record is dead-lettered with the reasons. */
export function isValidTransaction(value: unknown): value is Transaction {
  const problems = transactionProblems(value)
  if (problems.length > 0) throw new Error(`invalid transaction: ${problems.join('; ')}`)
  return true
}

/**
 * The event time of a transaction (its unix_time, in ms). A tombstone (null value) has none:
 * it keeps the record's timestamp and is skipped by the topologies.
 */
export function transactionTime(tx: Transaction | null, _key: unknown, recordTimestamp: number): number {
  return tx === null ? recordTimestamp : tx.unix_time * 1000
}
