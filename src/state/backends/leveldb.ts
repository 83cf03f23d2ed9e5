import { ClassicLevel } from 'classic-level'
import type { ByteRange, ByteWrite, StoreBackend } from '../backend.js'
import { rangeOptions } from './range-options.js'

/** Rows fetched per native call while scanning. */
const SCAN_CHUNK = 1000

/** LevelDB through classic-level, whose synchronous getSync serves cache misses. */
export class LevelDbBackend implements StoreBackend {
  readonly kind = 'leveldb' as const
  private readonly db: ClassicLevel<Buffer, Buffer>

  constructor(readonly directory: string) {
    this.db = new ClassicLevel<Buffer, Buffer>(directory, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
  }

  async open(): Promise<void> {
    await this.db.open({ createIfMissing: true })
  }

  async close(): Promise<void> {
    await this.db.close()
  }

  getSync(key: Buffer): Buffer | undefined {
    return this.db.getSync(key)
  }

  async getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]> {
    if (keys.length === 0) return []
    return this.db.getMany(keys as Buffer[])
  }

  async write(batch: readonly ByteWrite[]): Promise<void> {
    if (batch.length === 0) return
    await this.db.batch(
      batch.map((w) => (w.value === null ? { type: 'del' as const, key: w.key } : { type: 'put' as const, key: w.key, value: w.value })),
    )
  }

  async *entries(range: ByteRange): AsyncIterable<[Buffer, Buffer]> {
    const it = this.db.iterator(rangeOptions(range))
    try {
      for (;;) {
        const chunk = await it.nextv(SCAN_CHUNK)
        if (chunk.length === 0) return
        for (const entry of chunk) yield entry
      }
    } finally {
      await it.close()
    }
  }

  async clearRange(range: { gte: Buffer; lt: Buffer }): Promise<void> {
    await this.db.clear({ gte: range.gte, lt: range.lt })
  }

  /** Counts the keys: LevelDB keeps no key count, and its size estimates are in bytes. */
  async approximateCount(): Promise<number> {
    let count = 0
    const it = this.db.keys()
    try {
      for (;;) {
        const chunk = await it.nextv(SCAN_CHUNK)
        if (chunk.length === 0) return count
        count += chunk.length
      }
    } finally {
      await it.close()
    }
  }
}
