import { toMillis, type Duration } from '../base/duration.js'
import type { Serde } from '../serde/serde.js'
import type { BackendKind } from './backend.js'
import type { StoreSpec } from './store.js'

export interface KeyValueStoreOptions<K, V> {
  key: Serde<K>
  value: Serde<V>
  backend?: BackendKind
  /** Keep a changelog topic for the store (default true). */
  logging?: boolean
}

export interface WindowStoreOptions<K, V> extends KeyValueStoreOptions<K, V> {
  windowSize: Duration
  retention: Duration
}

export interface SessionStoreOptions<K, V> extends KeyValueStoreOptions<K, V> {
  /** How long behind the newest session end sessions are kept: at least inactivity gap + grace. */
  retention: Duration
}

/** Declares stores for the Processor API (`stream.process(..., { stores })`). */
export const Stores = {
  keyValue<K, V>(name: string, options: KeyValueStoreOptions<K, V>): StoreSpec<K, V> {
    return { name, type: 'keyValue', keySerde: options.key, valueSerde: options.value, logging: options.logging ?? true, backend: options.backend }
  },
  window<K, V>(name: string, options: WindowStoreOptions<K, V>): StoreSpec<K, V> {
    const windowSizeMs = toMillis(options.windowSize)
    const retentionMs = toMillis(options.retention)
    if (retentionMs < windowSizeMs) throw new Error(`Store "${name}": retention (${retentionMs} ms) must be at least the window size (${windowSizeMs} ms)`)
    return {
      name,
      type: 'window',
      keySerde: options.key,
      valueSerde: options.value,
      logging: options.logging ?? true,
      backend: options.backend,
      windowSizeMs,
      retentionMs,
    }
  },
  session<K, V>(name: string, options: SessionStoreOptions<K, V>): StoreSpec<K, V> {
    return {
      name,
      type: 'session',
      keySerde: options.key,
      valueSerde: options.value,
      logging: options.logging ?? true,
      backend: options.backend,
      retentionMs: toMillis(options.retention),
    }
  },
}
