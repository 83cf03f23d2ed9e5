import type { Serde } from './serde.js'

/** A value with a timestamp: a sliding window's aggregate and the time of its latest record. */
export interface ValueAndTimestamp<V> {
  readonly value: V
  readonly timestamp: number
}

const TIMESTAMP_BYTES = 8

/** [timestamp: 8 bytes BE][the inner serde's bytes of the value]. */
export function valueAndTimestampSerde<V>(inner: Serde<V>): Serde<ValueAndTimestamp<V>> {
  return {
    name: `timestamped(${inner.name})`,
    serialize: (topic, { value, timestamp }, headers) => {
      const bytes = inner.serialize(topic, value, headers) ?? Buffer.alloc(0)
      const out = Buffer.allocUnsafe(TIMESTAMP_BYTES + bytes.length)
      out.writeBigInt64BE(BigInt(timestamp))
      bytes.copy(out, TIMESTAMP_BYTES)
      return out
    },
    deserialize: (topic, data, headers) => {
      if (data === null || data.length < TIMESTAMP_BYTES) throw new Error(`a timestamped value needs at least ${TIMESTAMP_BYTES} bytes`)
      return { timestamp: Number(data.readBigInt64BE(0)), value: inner.deserialize(topic, data.subarray(TIMESTAMP_BYTES), headers) }
    },
    prepare: inner.prepare && ((topic, batch) => (inner.prepare as NonNullable<Serde<V>['prepare']>)(topic, batch.map((data) => (data === null ? null : data.subarray(TIMESTAMP_BYTES))))),
    prepareLookup: inner.prepareLookup?.bind(inner),
  }
}
