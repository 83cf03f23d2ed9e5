import type { TimeWindow } from '../windowed.js'

/** One read of a store; keys are already of the store's key type (see parseKeyArgument). */
export type StoreRequest =
  | { readonly op: 'get'; readonly key: unknown }
  | { readonly op: 'range'; readonly from?: unknown; readonly to?: unknown }
  | { readonly op: 'prefix'; readonly prefix: string }
  | { readonly op: 'fetch'; readonly key?: unknown; readonly from?: number; readonly to?: number }
  | { readonly op: 'count' }

/** A stored entry and the task whose store instance holds it. */
export interface StoreRow {
  readonly task: string
  readonly key: unknown
  /** Window stores only. */
  readonly window?: TimeWindow
  readonly value: unknown
}

export type StoreResult =
  | { readonly store: string; readonly type: 'keyValue' | 'window'; readonly rows: readonly StoreRow[] }
  | { readonly store: string; readonly type: 'keyValue' | 'window'; readonly count: number; readonly perTask: readonly { task: string; count: number }[] }

/** A store and the local tasks that hold an instance of it, as `sluice store ls` shows them. */
export interface StoreListing {
  readonly name: string
  readonly type: 'keyValue' | 'window'
  readonly changelog: string | undefined
  readonly tasks: readonly { task: string; approximateEntries: number }[]
}
