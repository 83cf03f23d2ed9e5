/** Tuning of one store instance, as openStore() receives it. */
export interface StoreOptions {
  /** Clean cache entries beyond this count are evicted (default 100_000). */
  cacheMaxEntries?: number
  /** needsFlush() turns true when more cache entries than this are dirty (default 50_000). */
  maxDirty?: number
  /** The cache's bound in bytes (default 32 MiB): clean entries are evicted past it, a flush is asked for when dirty ones hold half. */
  cacheMaxBytes?: number
  /**
   * The topic name handed to the serdes (schema-registry serdes derive subjects from it);
   * normally the store's changelog topic. Defaults to the store name.
   */
  serdeTopic?: string
}
