import type { Record } from './record.js'

// What a processor can do beyond process(): the task looks for these and calls them at the right
// moment (prefetch before a batch, forwardCached before a commit). Sluice's own DSL processors use them.

/** A processor that can load the store entries a batch will touch before it is processed. */
export interface PrefetchingProcessor {
  prefetch(records: readonly Record<unknown, unknown>[]): Promise<void>
}

/** A processor holding updates until commit (see UpdateCache); the commit forwards them first. */
export interface CachingProcessor {
  forwardCached(): void
}
