import type { Serde } from './serde.js'

/** Raw bytes, untouched: for pass-through topologies and payloads Sluice should not read. */
export function bytesSerde(): Serde<Buffer | null> {
  return {
    name: 'bytes',
    serialize: (_topic, value) => value,
    deserialize: (_topic, data) => data,
  }
}
