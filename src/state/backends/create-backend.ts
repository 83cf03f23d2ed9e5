import { mkdirSync } from 'node:fs'
import type { StoreBackend } from '../backend.js'
import type { StoreLocation } from '../managed-store.js'
import { LevelDbBackend } from './leveldb.js'
import { MemoryBackend } from './memory.js'
import { RocksDbBackend } from './rocksdb.js'

/**
 * The backend for a store location, not yet opened. Persistent backends get their directory
 * (and its parents, state/<applicationId>/<taskId>/) created; the memory backend ignores it.
 */
export function createBackend(location: StoreLocation): StoreBackend {
  switch (location.backend) {
    case 'memory':
      return new MemoryBackend()
    case 'leveldb':
      mkdirSync(location.directory, { recursive: true })
      return new LevelDbBackend(location.directory)
    case 'rocksdb':
      mkdirSync(location.directory, { recursive: true })
      return new RocksDbBackend(location.directory)
    default:
      throw new Error(`unknown store backend ${JSON.stringify(location.backend as unknown)}; expected leveldb, memory or rocksdb`)
  }
}
