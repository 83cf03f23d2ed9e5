import { describeValue } from './describe-value.js'
import type { Serde } from './serde.js'

function expectLength(data: Buffer | null, length: number, what: string): Buffer {
  if (data === null || data.length !== length) {
    throw new Error(`${/^[aeiou]/.test(what) ? 'an' : 'a'} ${what} needs ${length} bytes, got ${data === null ? 'null' : data.length}`)
  }
  return data
}

function expectNumber(value: unknown, serde: string): number {
  if (typeof value !== 'number') throw new TypeError(`the ${serde} serde writes numbers only, got ${describeValue(value)}`)
  return value
}

/**
 * A 64-bit big-endian signed integer (Kafka's LongSerializer), read as a JS number. Strict:
 * only a safe integer is written (no fraction truncated, no NaN), and a stored long beyond
 * ±(2^53 - 1), which a JS number cannot hold exactly, fails to read rather than being rounded.
 */
export function longSerde(): Serde<number> {
  return {
    name: 'long',
    serialize: (_topic, value) => {
      if (!Number.isSafeInteger(expectNumber(value, 'long'))) throw new RangeError(`the long serde writes safe integers only, got ${value}`)
      const out = Buffer.allocUnsafe(8)
      out.writeBigInt64BE(BigInt(value))
      return out
    },
    deserialize: (_topic, data) => {
      const long = expectLength(data, 8, 'long').readBigInt64BE()
      const value = Number(long)
      if (!Number.isSafeInteger(value)) throw new RangeError(`the long ${long} is beyond what a JS number holds exactly (±2^53 - 1)`)
      return value
    },
  }
}

/** A 32-bit big-endian signed integer (Kafka's IntegerSerializer); only integers in range are written. */
export function intSerde(): Serde<number> {
  return {
    name: 'int',
    serialize: (_topic, value) => {
      if (!Number.isInteger(expectNumber(value, 'int'))) throw new RangeError(`the int serde writes integers only, got ${value}`)
      const out = Buffer.allocUnsafe(4)
      out.writeInt32BE(value)
      return out
    },
    deserialize: (_topic, data) => expectLength(data, 4, 'int').readInt32BE(),
  }
}

/** 64-bit IEEE-754 doubles (Kafka's DoubleSerializer): NaN and the infinities are doubles too. */
export function doubleSerde(): Serde<number> {
  return {
    name: 'double',
    serialize: (_topic, value) => {
      const out = Buffer.allocUnsafe(8)
      out.writeDoubleBE(expectNumber(value, 'double'))
      return out
    },
    deserialize: (_topic, data) => expectLength(data, 8, 'double').readDoubleBE(),
  }
}
