import type { Serde } from '../serde/serde.js'
import type { ChangeRecord } from './managed-store.js'
import type { StoreSpec } from './store.js'
import type { ValueCodec } from './write-back-cache.js'

/** Adapts a serde to the cache's codec, naming the store in errors. */
export function serdeCodec<V>(serde: Serde<V>, topic: string, storeName: string): ValueCodec<V> {
  return {
    serialize: (value) => serde.serialize(topic, value),
    deserialize: (data) => {
      try {
        return serde.deserialize(topic, data)
      } catch (err) {
        throw new Error(`store ${storeName}: cannot deserialize a stored value with serde ${serde.name}: ${errorMessage(err)}`, { cause: err })
      }
    },
  }
}

/** Serializes a store key; keys cannot be null (their bytes are the store's order). */
export function serializeKey<K>(serde: Serde<K>, topic: string, storeName: string, key: K): Buffer {
  const bytes = serde.serialize(topic, key)
  if (bytes === null) throw new Error(`store ${storeName}: key ${String(key)} serialized to null with serde ${serde.name}; store keys need bytes`)
  return bytes
}

/** Deserializes a stored key, naming the store in errors. */
export function deserializeKey<K>(serde: Serde<K>, topic: string, storeName: string, data: Buffer): K {
  try {
    return serde.deserialize(topic, data)
  } catch (err) {
    throw new Error(`store ${storeName}: cannot deserialize a stored key with serde ${serde.name}: ${errorMessage(err)}`, { cause: err })
  }
}

/**
 * Lets the store's serdes see restored bytes before they are read back (a schema-registry
 * serde fetches the writer schemas of ids it does not know yet). `keyBytesOf` gives the key
 * serde's own bytes of a changelog key where the store wraps them (a window store's
 * [len][key][start]).
 */
export async function prepareSerdesToRead(
  spec: StoreSpec,
  topic: string,
  changes: readonly ChangeRecord[],
  keyBytesOf: (changelogKey: Buffer) => Buffer = (key) => key,
): Promise<void> {
  if (changes.length === 0) return
  await spec.keySerde.prepare?.(topic, changes.map((change) => keyBytesOf(change.key)))
  await spec.valueSerde.prepare?.(topic, changes.map((change) => change.value))
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
