import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Serde } from '../../src/serde/serde.js'
import { serdes } from '../../src/serde/serdes.js'
import type { BackendKind } from '../../src/state/backend.js'
import type { StoreLocation } from '../../src/state/managed-store.js'
import type { StoreSpec } from '../../src/state/store.js'

export const ALL_BACKENDS: readonly BackendKind[] = ['leveldb', 'memory', 'rocksdb']

/** RocksDB is an optional dependency: its tests run whenever the package loads. */
export async function rocksDbAvailable(): Promise<boolean> {
  try {
    const specifier: string = '@nxtedition/rocksdb'
    await import(specifier)
    return true
  } catch {
    return false
  }
}

/** Temporary directories for persistent stores, removed by cleanup(). */
export class TempDirs {
  private readonly dirs: string[] = []

  async location(backend: BackendKind, store = 'store'): Promise<StoreLocation> {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-state-'))
    this.dirs.push(dir)
    // A nested path, as state/<applicationId>/<taskId>/<store>: createBackend must mkdir -p it.
    return { directory: join(dir, 'app', '0_0', store), backend }
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
  }
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}

/** Raw keys as bytes, for byte-order tests. */
export const bytesSerde: Serde<Buffer> = {
  name: 'bytes',
  serialize: (_topic, value) => value,
  deserialize: (_topic, data) => data ?? Buffer.alloc(0),
}

export function kvSpec<V>(name: string, valueSerde: Serde<V>): StoreSpec<string, V> {
  return { name, type: 'keyValue', keySerde: serdes.string(), valueSerde, logging: true }
}

export function windowSpec<V>(name: string, valueSerde: Serde<V>, windowSizeMs: number, retentionMs: number): StoreSpec<string, V> {
  return { name, type: 'window', keySerde: serdes.string(), valueSerde, logging: true, windowSizeMs, retentionMs }
}

/** A small deterministic PRNG (mulberry32), so that every backend sees the same sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
