import type { Serde } from '../../serde/serde.js'

/** A buffered update of a suppressed table: the key's latest value, when to forward it, its record's time. */
export interface SuppressedEntry<V> {
  /** Stream time at which the entry is forwarded (window end + grace, or first update + time limit). */
  readonly emitAtMs: number
  /** Timestamp of the update's record, which the forwarded record keeps. */
  readonly timestamp: number
  /** null: the key was deleted (a tombstone is buffered and forwarded too). */
  readonly value: V | null
}

/** An entry in bytes: [emitAtMs: 8 BE][timestamp: 8 BE][has value: 1][value by the value serde]. */
export function suppressedEntrySerde<V>(valueSerde: Serde<V>): Serde<SuppressedEntry<V>> {
  return {
    name: `suppressed(${valueSerde.name})`,
    serialize: (topic, entry) => {
      const head = Buffer.allocUnsafe(17)
      head.writeDoubleBE(entry.emitAtMs, 0)
      head.writeDoubleBE(entry.timestamp, 8)
      head.writeUInt8(entry.value === null ? 0 : 1, 16)
      if (entry.value === null) return head
      const value = valueSerde.serialize(topic, entry.value)
      return Buffer.concat([head, value ?? Buffer.alloc(0)])
    },
    deserialize: (topic, data) => {
      if (data === null || data.length < 17) throw new Error(`a suppression buffer entry needs at least 17 bytes, got ${data === null ? 'null' : data.length}`)
      return { emitAtMs: data.readDoubleBE(0), timestamp: data.readDoubleBE(8), value: data.readUInt8(16) === 0 ? null : valueSerde.deserialize(topic, data.subarray(17)) }
    },
    // A registry serde fetches the schemas of the values inside.
    prepare: valueSerde.prepare && ((topic, batch) => (valueSerde.prepare as NonNullable<Serde<V>['prepare']>)(topic, batch.map((data) => (data !== null && data.length > 17 ? data.subarray(17) : null)))),
    prepareLookup: valueSerde.prepareLookup,
  }
}
