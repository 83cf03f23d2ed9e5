import type { Serde } from '../../serde/serde.js'

/**
 * One record a stream-stream join keeps in its window store. Records of one key with one
 * timestamp share a window store entry, as a list (Kafka Streams keeps duplicates too).
 * `settled`: the record has joined, or was emitted unmatched by a left or outer join; either
 * way a left or outer join never emits it unmatched (again).
 */
export interface JoinEntry<V> {
  readonly value: V
  readonly settled: boolean
}

const SETTLED = 1

/**
 * The bytes of a list of join entries: [count: 4 BE], then per entry [flags: 1][length: 4 BE]
 * [value bytes], each value written by the stream's value serde with the store's topic.
 */
export function joinEntriesSerde<V>(valueSerde: Serde<V>): Serde<readonly JoinEntry<V>[]> {
  return {
    name: `join-entries(${valueSerde.name})`,
    serialize: (topic, entries) => {
      const parts: Buffer[] = []
      const head = Buffer.allocUnsafe(4)
      head.writeUInt32BE(entries.length, 0)
      parts.push(head)
      for (const entry of entries) {
        const bytes = valueSerde.serialize(topic, entry.value)
        if (bytes === null) throw new Error(`the ${valueSerde.name} serde wrote a joined record's value as null`)
        const prefix = Buffer.allocUnsafe(5)
        prefix.writeUInt8(entry.settled ? SETTLED : 0, 0)
        prefix.writeUInt32BE(bytes.length, 1)
        parts.push(prefix, bytes)
      }
      return Buffer.concat(parts)
    },
    deserialize: (topic, data) => {
      if (data === null) throw new Error('a join store entry cannot be null')
      return splitEntries(data).map(({ flags, bytes }) => ({ value: valueSerde.deserialize(topic, bytes), settled: (flags & SETTLED) !== 0 }))
    },
    prepare: valueSerde.prepare && ((topic, batch) => (valueSerde.prepare as NonNullable<Serde<V>['prepare']>)(topic, batch.flatMap((data) => (data === null ? [] : splitEntries(data).map((entry) => entry.bytes))))),
    prepareLookup: valueSerde.prepareLookup,
  }
}

function splitEntries(data: Buffer): { flags: number; bytes: Buffer }[] {
  if (data.length < 4) throw new Error(`a join store entry needs at least 4 bytes, got ${data.length}`)
  const count = data.readUInt32BE(0)
  const out: { flags: number; bytes: Buffer }[] = []
  let offset = 4
  for (let i = 0; i < count; i++) {
    if (offset + 5 > data.length) throw new Error('a join store entry is truncated')
    const flags = data.readUInt8(offset)
    const length = data.readUInt32BE(offset + 1)
    offset += 5
    if (offset + length > data.length) throw new Error('a join store entry is truncated')
    out.push({ flags, bytes: data.subarray(offset, offset + length) })
    offset += length
  }
  if (offset !== data.length) throw new Error(`a join store entry has ${data.length - offset} bytes too many`)
  return out
}
