import type { Serde } from '../serde/serde.js'
import type { StoreBackend } from './backend.js'
import { keySuccessor, prefixEnd } from './bytes.js'
import type { ChangeRecord, ManagedStore } from './managed-store.js'
import { deserializeKey, prepareSerdesToRead, serdeCodec, serializeKey } from './serde-codec.js'
import type { KeyValue, KeyValueStore, StoreSpec, StoredEntry } from './store.js'
import type { StoreOptions } from './store-options.js'
import { WriteBackCache, type CacheStats } from './write-back-cache.js'

/**
 * A key-value store: a write-back cache of typed values over a byte backend. Point operations
 * are synchronous; scans are ordered by serialized key bytes and see unflushed changes.
 * `put(key, null)` deletes, as in Kafka Streams.
 */
export class CachedKeyValueStore<K, V> implements KeyValueStore<K, V>, ManagedStore {
  readonly storeType = 'keyValue' as const
  readonly name: string
  /** The spec with its types erased, as the task sees every store. */
  readonly spec: StoreSpec
  private readonly keySerde: Serde<K>
  /** The topic name handed to the serdes: the changelog topic, or the store name. */
  readonly serdeTopic: string
  private readonly cache: WriteBackCache<V>

  constructor(
    spec: StoreSpec<K, V>,
    readonly backend: StoreBackend,
    options: StoreOptions = {},
  ) {
    if (spec.type !== 'keyValue') throw new Error(`store ${spec.name} is a ${spec.type} store, not a keyValue store`)
    this.name = spec.name
    this.spec = spec as unknown as StoreSpec
    this.keySerde = spec.keySerde
    this.serdeTopic = options.serdeTopic ?? spec.name
    this.cache = new WriteBackCache(backend, serdeCodec(spec.valueSerde, this.serdeTopic, spec.name), {
      maxEntries: options.cacheMaxEntries,
      maxDirty: options.maxDirty,
      maxBytes: options.cacheMaxBytes,
    })
  }

  async open(): Promise<void> {
    await this.backend.open()
  }

  /** Discards unflushed changes: flush() first to keep them. */
  async close(): Promise<void> {
    this.cache.clear()
    await this.backend.close()
  }

  get(key: K): V | undefined {
    return this.cache.get(this.keyBytes(key))
  }

  put(key: K, value: V): void {
    this.cache.put(this.keyBytes(key), value === null ? undefined : value)
  }

  delete(key: K): V | undefined {
    const bytes = this.keyBytes(key)
    const old = this.cache.get(bytes)
    if (old !== undefined) this.cache.put(bytes, undefined)
    return old
  }

  /** Loads the keys of a fetched batch with one multi-get, so that get() never waits. */
  prefetch(keys: readonly K[]): Promise<void> {
    return this.cache.prefetch(keys.map((key) => this.keyBytes(key)))
  }

  range(from: K | undefined, to: K | undefined): AsyncIterable<KeyValue<K, V>> {
    const gte = from === undefined ? undefined : this.keyBytes(from)
    const lt = to === undefined ? undefined : keySuccessor(this.keyBytes(to))
    return this.scan(gte, lt)
  }

  prefixScan(prefix: Buffer | string): AsyncIterable<KeyValue<K, V>> {
    const bytes = typeof prefix === 'string' ? Buffer.from(prefix, 'utf8') : prefix
    return bytes.length === 0 ? this.scan(undefined, undefined) : this.scan(bytes, prefixEnd(bytes))
  }

  all(): AsyncIterable<KeyValue<K, V>> {
    return this.scan(undefined, undefined)
  }

  /**
   * The backend's key count (exact for LevelDB and memory, RocksDB's estimate) adjusted by the
   * unflushed changes; a blind put (no earlier read) of an existing key counts it twice.
   */
  async approximateNumEntries(): Promise<number> {
    return Math.max(0, (await this.backend.approximateCount()) + this.cache.pendingCountDelta())
  }

  cacheStats(): CacheStats & { readonly bytes: number } {
    return { ...this.cache.stats, bytes: this.cache.sizeInBytes }
  }

  needsFlush(): boolean {
    return this.cache.needsFlush()
  }

  /** Changelog records are keyed by the serialized key, as in the backend. */
  flush(): Promise<ChangeRecord[]> {
    return this.cache.flush()
  }

  async restore(changes: readonly ChangeRecord[]): Promise<void> {
    if (changes.length === 0) return
    await prepareSerdesToRead(this.spec, this.serdeTopic, changes)
    this.cache.invalidate(changes.map((change) => change.key))
    await this.backend.write(changes)
  }

  private keyBytes(key: K): Buffer {
    return serializeKey(this.keySerde, this.serdeTopic, this.name, key)
  }

  /** Entries of a serialized-key range, each with its key bytes, unflushed changes included. */
  async *scanStored(range: { gte?: Buffer; lt?: Buffer }): AsyncIterable<StoredEntry<K, V>> {
    for await (const [key, value] of this.cache.scan(range.gte, range.lt)) {
      yield { storeKey: key, key: deserializeKey(this.keySerde, this.serdeTopic, this.name, key), value }
    }
  }

  private async *scan(gte: Buffer | undefined, lt: Buffer | undefined): AsyncIterable<KeyValue<K, V>> {
    for await (const [key, value] of this.cache.scan(gte, lt)) {
      yield { key: deserializeKey(this.keySerde, this.serdeTopic, this.name, key), value }
    }
  }
}
