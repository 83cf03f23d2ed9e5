import type { Windowed } from '../base/windowed.js'
import type { Serde } from './serde.js'

const TIMES = 16

/** A windowed key: the inner key's bytes followed by the window start and end (8 bytes each). */
export function windowedSerde<K>(inner: Serde<K>): Serde<Windowed<K>> {
  return {
    name: `windowed(${inner.name})`,
    serialize: (topic, windowed) => {
      const key = inner.serialize(topic, windowed.key) ?? Buffer.alloc(0)
      const out = Buffer.allocUnsafe(key.length + TIMES)
      key.copy(out)
      out.writeBigInt64BE(BigInt(windowed.window.start), key.length)
      out.writeBigInt64BE(BigInt(windowed.window.end), key.length + 8)
      return out
    },
    deserialize: (topic, data) => {
      if (data === null || data.length < TIMES) throw new Error(`a windowed key needs at least ${TIMES} bytes`)
      const keyLength = data.length - TIMES
      return {
        key: inner.deserialize(topic, data.subarray(0, keyLength)),
        window: { start: Number(data.readBigInt64BE(keyLength)), end: Number(data.readBigInt64BE(keyLength + 8)) },
      }
    },
    prepare: inner.prepare?.bind(inner),
    prepareLookup: inner.prepareLookup?.bind(inner),
  }
}
