import type { TimeWindow } from '../../base/windowed.js'
import type { StoreSpec } from '../store.js'

/** One read of a store; keys are already of the store's key type (see parseKeyArgument). */
export type StoreRequest =
  | { readonly op: 'get'; readonly key: unknown }
  | { readonly op: 'range'; readonly from?: unknown; readonly to?: unknown }
  | { readonly op: 'prefix'; readonly prefix: string }
  /** Window stores: windows starting in [from, to]; session stores: sessions overlapping [from, to] (ending at or after from, starting at or before to). */
  | { readonly op: 'fetch'; readonly key?: unknown; readonly from?: number; readonly to?: number }
  | { readonly op: 'count' }

/** A stored entry and the task whose store instance holds it. */
export interface StoreRow {
  readonly task: string
  readonly key: unknown
  /** Window and session stores only (a session's end is its last record's time, inclusive). */
  readonly window?: TimeWindow
  readonly value: unknown
}

export type StoreResult =
  | {
      readonly store: string
      readonly type: StoreSpec['type']
      readonly rows: readonly StoreRow[]
      /** Present when more may follow: pass it as the next page's cursor. */
      readonly next?: string
    }
  | {
      readonly store: string
      readonly type: StoreSpec['type']
      readonly count: number
      readonly perTask: readonly { task: string; count: number }[]
      /** Present when the count stopped part-way (a section of a long count): continue from it. */
      readonly next?: string
    }

/** How much of a read one answer (or one section under the task lock) holds. */
export interface PageRequest {
  /** Where the previous page stopped (its `next`). */
  readonly cursor?: string
  /** Entries at most (counted ones, for a count). */
  readonly limit: number
  /** The answer's JSON at most this many bytes (at least one entry always goes in). */
  readonly maxBytes: number
}

/** A store and the local tasks that hold an instance of it, as `sluice store ls` shows them. */
export interface StoreListing {
  readonly name: string
  readonly type: StoreSpec['type']
  readonly changelog: string | undefined
  readonly tasks: readonly { task: string; approximateEntries: number }[]
}
