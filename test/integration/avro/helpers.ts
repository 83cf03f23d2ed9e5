import { randomBytes } from 'node:crypto'
import type { Transaction } from '../../../topologies/transaction.js'
import { DEFAULT_REGISTRY_URL } from '../../../src/serde/avro/registry-client.js'

export const REGISTRY_URL = process.env.SLUICE_SCHEMA_REGISTRY_URL ?? DEFAULT_REGISTRY_URL

/** A name no earlier run used, so that subjects and topics of reruns never collide. */
export function runName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`
}

/** GETs a registry resource as JSON (for asserting what the serdes did), undefined on 404. */
export async function registryGet<T>(path: string): Promise<T | undefined> {
  const response = await fetch(`${REGISTRY_URL}${path}`)
  if (response.status === 404) return undefined
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`)
  return (await response.json()) as T
}

export function tx(overrides: Partial<Transaction> = {}): Transaction {
  return {
    trans_date_trans_time: '2024-01-01 00:00:00',
    cc_num: '4000000000000001',
    merchant: 'fraud_Kirlin and Sons',
    category: 'grocery_pos',
    amt: 12.5,
    first: 'Ada',
    last: 'Lovelace',
    gender: 'F',
    street: '1 Main St',
    city: 'Springfield',
    state: 'IL',
    zip: '62701',
    lat: 39.8,
    long: -89.6,
    city_pop: 116000,
    job: 'Engineer',
    dob: '1990-12-10',
    trans_num: 't-1',
    unix_time: 1704067200,
    merch_lat: 39.9,
    merch_long: -89.5,
    is_fraud: 0,
    ...overrides,
  }
}

/** Sends a JSON request to the registry (setting a subject's compatibility level, deleting a version). */
export async function registrySend<T>(method: 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${REGISTRY_URL}${path}`, {
    method,
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
  return (await response.json()) as T
}
