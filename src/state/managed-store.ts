import type { BackendKind } from './backend.js'
import type { StateStore, StoreSpec } from './store.js'
import type { CacheStats } from './write-back-cache.js'

/** One store change as it goes to (and comes back from) the changelog topic. */
export interface ChangeRecord {
  readonly key: Buffer
  /** `null` is a deletion (a tombstone in the changelog). */
  readonly value: Buffer | null
}

/**
 * The side of a store that the task (not the user's processors) drives: open, commit-time
 * flush, restore from the changelog, close. Internal: not exported from src/index.ts.
 */
export interface ManagedStore extends StateStore {
  readonly spec: StoreSpec
  /** The topic name handed to the serdes: the changelog topic, or the store name. */
  readonly serdeTopic: string
  open(): Promise<void>
  /** True when the write-back cache holds more dirty entries than its limit: commit soon. */
  needsFlush(): boolean
  /** The write-back cache's hits, misses and evictions so far, and the bytes it holds now. */
  cacheStats(): CacheStats & { readonly bytes: number }
  /**
   * Writes every dirty cache entry to the backend as one batch and returns the changes, latest
   * value per key, in the order the keys were first dirtied since the last flush.
   */
  flush(): Promise<ChangeRecord[]>
  /**
   * Applies changelog records straight to the backend, bypassing the cache and recording.
   * The serdes are prepared with the records' bytes first, so that later reads decode them.
   */
  restore(changes: readonly ChangeRecord[]): Promise<void>
  close(): Promise<void>
}

/** Where and on what a task's store instance lives. */
export interface StoreLocation {
  /** state/<applicationId>/<taskId>/<storeName> for persistent backends. */
  readonly directory: string
  readonly backend: BackendKind
}
