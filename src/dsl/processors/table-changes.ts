import type { Serde } from '../../serde/serde.js'

/**
 * An update of a grouped table's row as the aggregation sees it (Kafka Streams' Change): the
 * value to add and the value to subtract. An update of a row that stays in its group carries
 * both, so that the aggregate is updated (and emitted) once; a row leaving a group sends only
 * the old value to it, and only the new value to the group it joins.
 */
export interface Change<V> {
  readonly newValue?: V
  readonly oldValue?: V
}

const HAS_NEW = 1
const HAS_OLD = 2

/** A Change in bytes: [flags: 1][new value's length: 4 BE][new value][old value], each by the value serde. */
export function changeSerde<V>(valueSerde: Serde<V>): Serde<Change<V>> {
  return {
    name: `change(${valueSerde.name})`,
    serialize: (topic, change) => {
      const newBytes = change.newValue === undefined ? undefined : valueBytes(valueSerde, topic, change.newValue)
      const oldBytes = change.oldValue === undefined ? undefined : valueBytes(valueSerde, topic, change.oldValue)
      const head = Buffer.allocUnsafe(5)
      head.writeUInt8((newBytes ? HAS_NEW : 0) | (oldBytes ? HAS_OLD : 0), 0)
      head.writeUInt32BE(newBytes?.length ?? 0, 1)
      return Buffer.concat([head, newBytes ?? Buffer.alloc(0), oldBytes ?? Buffer.alloc(0)])
    },
    deserialize: (topic, data) => {
      const { flags, newBytes, oldBytes } = splitChange(data)
      return {
        ...(flags & HAS_NEW ? { newValue: valueSerde.deserialize(topic, newBytes) } : {}),
        ...(flags & HAS_OLD ? { oldValue: valueSerde.deserialize(topic, oldBytes) } : {}),
      }
    },
    prepare:
      valueSerde.prepare &&
      ((topic, batch) => {
        const parts: Buffer[] = []
        for (const data of batch) {
          if (data === null) continue
          const { flags, newBytes, oldBytes } = splitChange(data)
          if (flags & HAS_NEW) parts.push(newBytes)
          if (flags & HAS_OLD) parts.push(oldBytes)
        }
        return (valueSerde.prepare as NonNullable<Serde<V>['prepare']>)(topic, parts)
      }),
    prepareLookup: valueSerde.prepareLookup,
  }
}

/** A [key, value] pair in bytes: [key length: 4 BE][key][value], by the two serdes. */
export function pairSerde<K, V>(keySerde: Serde<K>, valueSerde: Serde<V>): Serde<readonly [K, V]> {
  const split = (data: Buffer | null): [Buffer, Buffer] => {
    if (data === null || data.length < 4) throw new Error('a key-value pair needs at least 4 bytes')
    const length = data.readUInt32BE(0)
    if (4 + length > data.length) throw new Error('a key-value pair is truncated')
    return [data.subarray(4, 4 + length), data.subarray(4 + length)]
  }
  return {
    name: `pair(${keySerde.name}, ${valueSerde.name})`,
    serialize: (topic, [key, value]) => {
      const keyBytes = keySerde.serialize(topic, key) ?? Buffer.alloc(0)
      const head = Buffer.allocUnsafe(4)
      head.writeUInt32BE(keyBytes.length, 0)
      return Buffer.concat([head, keyBytes, valueBytes(valueSerde, topic, value)])
    },
    deserialize: (topic, data) => {
      const [key, value] = split(data)
      return [keySerde.deserialize(topic, key), valueSerde.deserialize(topic, value)] as const
    },
    prepare: async (topic, batch) => {
      const pairs = batch.flatMap((data) => (data === null ? [] : [split(data)]))
      await keySerde.prepare?.(topic, pairs.map(([key]) => key))
      await valueSerde.prepare?.(topic, pairs.map(([, value]) => value))
    },
    prepareLookup: async (topic) => {
      await keySerde.prepareLookup?.(topic)
      await valueSerde.prepareLookup?.(topic)
    },
  }
}

function valueBytes<V>(serde: Serde<V>, topic: string, value: V): Buffer {
  const bytes = serde.serialize(topic, value)
  if (bytes === null) throw new Error(`the ${serde.name} serde wrote a grouped table's value as null`)
  return bytes
}

function splitChange(data: Buffer | null): { flags: number; newBytes: Buffer; oldBytes: Buffer } {
  if (data === null || data.length < 5) throw new Error('a table change needs at least 5 bytes')
  const flags = data.readUInt8(0)
  const newLength = data.readUInt32BE(1)
  if (5 + newLength > data.length) throw new Error('a table change is truncated')
  return { flags, newBytes: data.subarray(5, 5 + newLength), oldBytes: data.subarray(5 + newLength) }
}
