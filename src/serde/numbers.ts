import type { Serde } from './serde.js'

function expectLength(data: Buffer | null, length: number, what: string): Buffer {
  if (data === null || data.length !== length) {
    throw new Error(`${/^[aeiou]/.test(what) ? 'an' : 'a'} ${what} needs ${length} bytes, got ${data === null ? 'null' : data.length}`)
  }
  return data
}

/** A 64-bit big-endian signed integer (Kafka's LongSerializer), read as a JS number. */
export function longSerde(): Serde<number> {
  return {
    name: 'long',
    serialize: (_topic, value) => {
      const out = Buffer.allocUnsafe(8)
      out.writeBigInt64BE(BigInt(Math.trunc(value)))
      return out
    },
    deserialize: (_topic, data) => Number(expectLength(data, 8, 'long').readBigInt64BE()),
  }
}

/** A 32-bit big-endian signed integer (Kafka's IntegerSerializer). */
export function intSerde(): Serde<number> {
  return {
    name: 'int',
    serialize: (_topic, value) => {
      const out = Buffer.allocUnsafe(4)
      out.writeInt32BE(value)
      return out
    },
    deserialize: (_topic, data) => expectLength(data, 4, 'int').readInt32BE(),
  }
}

/** 64-bit IEEE-754 doubles (Kafka's DoubleSerializer). */
export function doubleSerde(): Serde<number> {
  return {
    name: 'double',
    serialize: (_topic, value) => {
      const out = Buffer.allocUnsafe(8)
      out.writeDoubleBE(value)
      return out
    },
    deserialize: (_topic, data) => expectLength(data, 8, 'double').readDoubleBE(),
  }
}
