import type { Serde } from '../serde/serde.js'
import type { BackendKind } from './backend.js'
import type { Windowed } from '../base/windowed.js'

export interface KeyValue<K, V> {
  readonly key: K
  readonly value: V
}

/** An entry with the key it has in the backend: where a paged scan continues from. */
export interface StoredEntry<K, V> extends KeyValue<K, V> {
  readonly storeKey: Buffer
}

/** What every store exposes to processors. */
export interface StateStore {
  readonly name: string
}

/**
 * A key-value store. Point operations are synchronous (served by a write-back cache over the
 * backend); scans are asynchronous and ordered by the serialized key bytes.
 */
export interface KeyValueStore<K, V> extends StateStore {
  get(key: K): V | undefined
  put(key: K, value: V): void
  delete(key: K): V | undefined
  /** Inclusive range [from, to]; an undefined bound is open. */
  range(from: K | undefined, to: K | undefined): AsyncIterable<KeyValue<K, V>>
  /** Entries whose serialized key starts with the given bytes (a string is taken as UTF-8). */
  prefixScan(prefix: Buffer | string): AsyncIterable<KeyValue<K, V>>
  all(): AsyncIterable<KeyValue<K, V>>
  approximateNumEntries(): Promise<number>
}

/**
 * A store of values per key and window start. Windows whose start is older than the retention
 * period behind the newest window start seen are expired: no longer returned, then deleted.
 */
export interface WindowStore<K, V> extends StateStore {
  readonly windowSizeMs: number
  readonly retentionMs: number
  /** A `null` value deletes the window. */
  put(key: K, value: V | null, windowStart: number): void
  fetch(key: K, windowStart: number): V | undefined
  /** Windows of one key whose start lies in [timeFrom, timeTo], oldest first. */
  fetchRange(key: K, timeFrom: number, timeTo: number): AsyncIterable<KeyValue<Windowed<K>, V>>
  /** Windows of all keys whose start lies in [timeFrom, timeTo]. */
  fetchAll(timeFrom: number, timeTo: number): AsyncIterable<KeyValue<Windowed<K>, V>>
  all(): AsyncIterable<KeyValue<Windowed<K>, V>>
}

/**
 * A store of values per key and session: a session is [start, end], both inclusive (the
 * times of its first and last record). Sessions whose end is more than the retention period
 * behind the newest session end seen are expired: no longer returned, then deleted.
 */
export interface SessionStore<K, V> extends StateStore {
  readonly retentionMs: number
  /** The value of `key`'s session that is exactly [sessionStart, sessionEnd]. */
  fetchSession(key: K, sessionStart: number, sessionEnd: number): V | undefined
  /**
   * Sessions of `key` that end at or after `earliestSessionEndTime` and start at or before
   * `latestSessionStartTime` (those that overlap that span), oldest first.
   */
  findSessions(key: K, earliestSessionEndTime: number, latestSessionStartTime: number): AsyncIterable<KeyValue<Windowed<K>, V>>
  /** Sessions of every key whose end lies in [earliestSessionEndTime, latestSessionEndTime]. */
  findAllSessions(earliestSessionEndTime: number, latestSessionEndTime: number): AsyncIterable<KeyValue<Windowed<K>, V>>
  /** Every live session of `key`, oldest first. */
  fetch(key: K): AsyncIterable<KeyValue<Windowed<K>, V>>
  /** A `null` value removes the session. */
  put(session: Windowed<K>, value: V | null): void
  remove(session: Windowed<K>): void
  all(): AsyncIterable<KeyValue<Windowed<K>, V>>
}

/** How a store is declared in a topology; the runtime builds one instance per task. */
export interface StoreSpec<K = unknown, V = unknown> {
  readonly name: string
  readonly type: 'keyValue' | 'window' | 'session'
  readonly keySerde: Serde<K>
  readonly valueSerde: Serde<V>
  /** Send every change to a compacted changelog topic (default true). */
  readonly logging: boolean
  /** Overrides the application's default backend. */
  readonly backend?: BackendKind
  readonly windowSizeMs?: number
  /** Window and session stores: how long behind the newest window start (session end) they keep entries. */
  readonly retentionMs?: number
}

/** A store spec of any key and value types, for heterogeneous lists; serdes make StoreSpec invariant. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStoreSpec = StoreSpec<any, any>
