import type { Serde } from '../../serde/serde.js'

// The bytes of what a stream-stream join keeps: the records of one key and timestamp (one
// window store entry per side), and the records that have not joined yet (left and outer joins).

/** Which input stream a record came from: `this` is the stream join() was called on, `other` its argument. */
export type JoinSide = 'this' | 'other'

/** A record that has not joined (yet): its side, timestamp and key, ordered in that order. */
export interface UnmatchedKey<K> {
  readonly side: JoinSide
  readonly timestamp: number
  readonly key: K
}

/** The values of the unmatched records of one side, key and timestamp. */
export interface UnmatchedValues {
  readonly side: JoinSide
  readonly values: readonly unknown[]
}

const SIDE_BYTE = { this: 1, other: 2 } as const
const KEY_MARK = 1

/** The first byte of a side's unmatched keys: a prefix scan over it yields them oldest first. */
export function unmatchedPrefix(side: JoinSide): Buffer {
  return Buffer.from([SIDE_BYTE[side]])
}

/** A list of values in bytes: [count: 4 BE], then per value [length: 4 BE][bytes], each by the value serde. */
export function valueListSerde<V>(valueSerde: Serde<V>): Serde<readonly V[]> {
  return {
    name: `list(${valueSerde.name})`,
    serialize: (topic, values) => writeList(valueSerde, topic, values),
    deserialize: (topic, data) => splitList(data, 0).map((bytes) => valueSerde.deserialize(topic, bytes)),
    prepare: valueSerde.prepare && ((topic, batch) => (valueSerde.prepare as PrepareOf<V>)(topic, batch.flatMap((data) => (data === null ? [] : splitList(data, 0))))),
    prepareLookup: valueSerde.prepareLookup,
  }
}

/** An unmatched record's key in bytes: [side: 1][timestamp: 8 BE][1][key bytes], so that a side's are ordered by time. */
export function unmatchedKeySerde<K>(keySerde: Serde<K>): Serde<UnmatchedKey<K>> {
  return {
    name: `unmatched-key(${keySerde.name})`,
    serialize: (topic, { side, timestamp, key }) => {
      const head = Buffer.allocUnsafe(10)
      head.writeUInt8(SIDE_BYTE[side], 0)
      head.writeBigUInt64BE(BigInt(timestamp), 1)
      head.writeUInt8(KEY_MARK, 9)
      return Buffer.concat([head, keySerde.serialize(topic, key) ?? Buffer.alloc(0)])
    },
    deserialize: (topic, data) => {
      if (data === null || data.length < 10 || data.readUInt8(9) !== KEY_MARK) throw new Error('an unmatched join record key needs at least 10 bytes')
      return { side: sideOf(data.readUInt8(0)), timestamp: Number(data.readBigUInt64BE(1)), key: keySerde.deserialize(topic, data.subarray(10)) }
    },
    prepare: keySerde.prepare && ((topic, batch) => (keySerde.prepare as PrepareOf<K>)(topic, batch.flatMap((data) => (data === null ? [] : [data.subarray(10)])))),
    prepareLookup: keySerde.prepareLookup,
  }
}

/** Unmatched records' values in bytes: [side: 1] and a value list by that side's value serde. */
export function unmatchedValuesSerde<V, VO>(thisSerde: Serde<V>, otherSerde: Serde<VO>): Serde<UnmatchedValues> {
  const lists = { this: valueListSerde(thisSerde) as Serde<readonly unknown[]>, other: valueListSerde(otherSerde) as Serde<readonly unknown[]> }
  return {
    name: `unmatched(${thisSerde.name}, ${otherSerde.name})`,
    serialize: (topic, { side, values }) => Buffer.concat([Buffer.from([SIDE_BYTE[side]]), lists[side].serialize(topic, values) as Buffer]),
    deserialize: (topic, data) => {
      if (data === null || data.length < 1) throw new Error('unmatched join records need at least 1 byte')
      const side = sideOf(data.readUInt8(0))
      return { side, values: lists[side].deserialize(topic, data.subarray(1)) }
    },
    prepare: async (topic, batch) => {
      for (const side of ['this', 'other'] as const) {
        const own = batch.filter((data): data is Buffer => data !== null && data.length > 0 && data.readUInt8(0) === SIDE_BYTE[side])
        if (own.length > 0) await lists[side].prepare?.(topic, own.map((data) => data.subarray(1)))
      }
    },
    prepareLookup: async (topic) => {
      await thisSerde.prepareLookup?.(topic)
      await otherSerde.prepareLookup?.(topic)
    },
  }
}

type PrepareOf<T> = NonNullable<Serde<T>['prepare']>

function sideOf(byte: number): JoinSide {
  if (byte === SIDE_BYTE.this) return 'this'
  if (byte === SIDE_BYTE.other) return 'other'
  throw new Error(`an unmatched join record has an unknown side ${byte}`)
}

function writeList<V>(serde: Serde<V>, topic: string, values: readonly V[]): Buffer {
  const parts: Buffer[] = []
  const head = Buffer.allocUnsafe(4)
  head.writeUInt32BE(values.length, 0)
  parts.push(head)
  for (const value of values) {
    const bytes = serde.serialize(topic, value)
    if (bytes === null) throw new Error(`the ${serde.name} serde wrote a joined record's value as null`)
    const length = Buffer.allocUnsafe(4)
    length.writeUInt32BE(bytes.length, 0)
    parts.push(length, bytes)
  }
  return Buffer.concat(parts)
}

function splitList(data: Buffer | null, offset: number): Buffer[] {
  if (data === null || data.length < offset + 4) throw new Error('a join store value list needs at least 4 bytes')
  const count = data.readUInt32BE(offset)
  const out: Buffer[] = []
  let at = offset + 4
  for (let i = 0; i < count; i++) {
    if (at + 4 > data.length) throw new Error('a join store value list is truncated')
    const length = data.readUInt32BE(at)
    at += 4
    if (at + length > data.length) throw new Error('a join store value list is truncated')
    out.push(data.subarray(at, at + length))
    at += length
  }
  if (at !== data.length) throw new Error(`a join store value list has ${data.length - at} bytes too many`)
  return out
}
