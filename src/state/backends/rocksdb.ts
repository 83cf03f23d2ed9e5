import type { ByteRange, ByteWrite, StoreBackend } from '../backend.js'
import { rangeOptions } from './range-options.js'

/** Rows fetched per native call while scanning. */
const SCAN_CHUNK = 1000

/** The part of @nxtedition/rocksdb (untyped, abstract-level 1 based) this backend uses. */
interface RocksIterator {
  _nextvSync(size: number, options: object): { rows: Buffer[]; finished: boolean }
  close(): Promise<void>
}
interface RocksDb {
  open(): Promise<void>
  close(): Promise<void>
  _getManySync(keys: Buffer[]): (Buffer | undefined)[]
  getMany(keys: Buffer[]): Promise<(Buffer | undefined)[]>
  batch(ops: ({ type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer })[]): Promise<void>
  iterator(options: object): RocksIterator
  clear(options: { gte: Buffer; lt: Buffer }): Promise<void>
  getProperty(name: string): string | number
}
type RocksLevelClass = new (location: string, options: object) => RocksDb

const MODULE = '@nxtedition/rocksdb'
let loaded: Promise<RocksLevelClass> | undefined

/** Loads the optional native module on first use, so that installs without it still work. */
function loadRocksLevel(): Promise<RocksLevelClass> {
  loaded ??= (async () => {
    let mod: { RocksLevel?: RocksLevelClass; default?: { RocksLevel?: RocksLevelClass } }
    try {
      // A non-literal specifier keeps TypeScript from requiring the (absent) type declarations.
      const specifier: string = MODULE
      mod = (await import(specifier)) as typeof mod
    } catch (err) {
      throw new Error(`the rocksdb store backend needs the optional package ${MODULE}; install it with \`npm install ${MODULE}\``, {
        cause: err,
      })
    }
    const RocksLevel = mod.RocksLevel ?? mod.default?.RocksLevel
    if (!RocksLevel) throw new Error(`${MODULE} does not export RocksLevel; a version 12 is expected`)
    return RocksLevel
  })()
  // Let a later call retry after a failed load (e.g. the package was installed meanwhile).
  loaded.catch(() => (loaded = undefined))
  return loaded
}

/** RocksDB through @nxtedition/rocksdb. */
export class RocksDbBackend implements StoreBackend {
  readonly kind = 'rocksdb' as const
  private db: RocksDb | undefined

  constructor(readonly directory: string) {}

  async open(): Promise<void> {
    const RocksLevel = await loadRocksLevel()
    const db = new RocksLevel(this.directory, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
    await db.open()
    this.db = db
  }

  async close(): Promise<void> {
    const db = this.db
    this.db = undefined
    await db?.close()
  }

  getSync(key: Buffer): Buffer | undefined {
    // The binding has no synchronous single get; its synchronous multi-get of one key is the
    // same native read without a promise round trip.
    return this.handle()._getManySync([key])[0]
  }

  async getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]> {
    if (keys.length === 0) return []
    return this.handle().getMany(keys as Buffer[])
  }

  async write(batch: readonly ByteWrite[]): Promise<void> {
    if (batch.length === 0) return
    await this.handle().batch(
      batch.map((w) => (w.value === null ? { type: 'del' as const, key: w.key } : { type: 'put' as const, key: w.key, value: w.value })),
    )
  }

  async *entries(range: ByteRange): AsyncIterable<[Buffer, Buffer]> {
    const it = this.handle().iterator(rangeOptions(range))
    try {
      // Synchronous chunked reads: a chunk is one native call, with no promise per row.
      for (;;) {
        const { rows, finished } = it._nextvSync(SCAN_CHUNK, {})
        for (let i = 0; i < rows.length; i += 2) yield [rows[i], rows[i + 1]]
        if (finished || rows.length === 0) return
      }
    } finally {
      await it.close()
    }
  }

  async clearRange(range: { gte: Buffer; lt: Buffer }): Promise<void> {
    await this.handle().clear({ gte: range.gte, lt: range.lt })
  }

  /** RocksDB's own estimate: exact for puts of new keys, drifts with overwrites and deletes until compaction. */
  async approximateCount(): Promise<number> {
    const estimate = Number(this.handle().getProperty('rocksdb.estimate-num-keys'))
    return Number.isFinite(estimate) && estimate > 0 ? estimate : 0
  }

  private handle(): RocksDb {
    if (!this.db) throw new Error(`rocksdb store at ${this.directory} is not open`)
    return this.db
  }
}
