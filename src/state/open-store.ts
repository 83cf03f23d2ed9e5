import { createBackend } from './backends/create-backend.js'
import { CachedKeyValueStore } from './key-value-store.js'
import type { ManagedStore, StoreLocation } from './managed-store.js'
import type { StoreSpec } from './store.js'
import type { StoreOptions } from './store-options.js'
import { CachedWindowStore } from './window-store.js'
import { CachedSessionStore } from './session-store.js'

export { CachedKeyValueStore } from './key-value-store.js'
export { CachedWindowStore } from './window-store.js'
export { CachedSessionStore } from './session-store.js'
export type { StoreOptions } from './store-options.js'

/** A store as openStore() returns it; narrow on `storeType` or with the guards below. */
export type OpenedStore<K = unknown, V = unknown> = CachedKeyValueStore<K, V> | CachedWindowStore<K, V> | CachedSessionStore<K, V>

/**
 * Builds one task's instance of a store and opens it. The backend is `spec.backend` when the
 * topology overrides it, else `location.backend` (the application's default).
 */
export async function openStore<K = unknown, V = unknown>(
  spec: StoreSpec<K, V>,
  location: StoreLocation,
  options: StoreOptions = {},
): Promise<OpenedStore<K, V>> {
  const backend = createBackend(spec.backend === undefined ? location : { ...location, backend: spec.backend })
  let store: OpenedStore<K, V>
  switch (spec.type) {
    case 'keyValue':
      store = new CachedKeyValueStore(spec, backend, options)
      break
    case 'window':
      store = new CachedWindowStore(spec, backend, options)
      break
    case 'session':
      store = new CachedSessionStore(spec, backend, options)
      break
    default:
      throw new Error(`store ${(spec as StoreSpec).name} has unknown type ${JSON.stringify((spec as StoreSpec).type)}`)
  }
  await store.open()
  return store
}

export function isKeyValueStore<K = unknown, V = unknown>(store: ManagedStore): store is CachedKeyValueStore<K, V> {
  return store instanceof CachedKeyValueStore
}

export function isWindowStore<K = unknown, V = unknown>(store: ManagedStore): store is CachedWindowStore<K, V> {
  return store instanceof CachedWindowStore
}

export function isSessionStore<K = unknown, V = unknown>(store: ManagedStore): store is CachedSessionStore<K, V> {
  return store instanceof CachedSessionStore
}
