/** Which storage engine holds a persistent store's bytes. */
export type BackendKind = 'leveldb' | 'memory' | 'rocksdb'

/** A key range over raw bytes; bounds are optional, `lt` is exclusive. */
export interface ByteRange {
  gte?: Buffer
  lt?: Buffer
  reverse?: boolean
}

/** One write of a batch: a `null` value deletes the key. */
export interface ByteWrite {
  key: Buffer
  value: Buffer | null
}

/**
 * The byte-level engine under a store. Point reads are synchronous so that processors never
 * await per record; writes arrive only as whole batches from the write-back cache.
 */
export interface StoreBackend {
  readonly kind: BackendKind
  open(): Promise<void>
  close(): Promise<void>
  getSync(key: Buffer): Buffer | undefined
  getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]>
  /** Applies all writes atomically, in order. */
  write(batch: readonly ByteWrite[]): Promise<void>
  entries(range: ByteRange): AsyncIterable<[Buffer, Buffer]>
  clearRange(range: { gte: Buffer; lt: Buffer }): Promise<void>
  approximateCount(): Promise<number>
}
