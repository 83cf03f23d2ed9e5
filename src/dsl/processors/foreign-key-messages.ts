import { createHash } from 'node:crypto'
import type { Serde } from '../../serde/serde.js'

// The records a foreign-key join sends between its two sides (Kafka Streams' KIP-213): the left
// side subscribes each left row to the right row its foreign key names, through a topic keyed by
// the foreign key; the right side answers through a topic keyed by the left key. Every answer
// carries the hash of the left value it answers, so that the left side can drop an answer to a
// value the row no longer holds (answers about different foreign keys come back through
// different partitions, in any order).

/**
 * What a subscription asks of the right side: `unsubscribe` forgets the left row; `subscribe`
 * remembers it and answers with the right row's value, or not at all while there is none
 * (a row that never had a result needs no delete); `subscribe-and-report-absence` answers
 * either way (a left join, or a row whose earlier result may need deleting).
 */
export type SubscriptionInstruction = 'unsubscribe' | 'subscribe' | 'subscribe-and-report-absence'

export interface Subscription<K> {
  readonly instruction: SubscriptionInstruction
  readonly leftKey: K
  /** The hash of the left row's value (subscriptions only). */
  readonly valueHash?: Buffer
}

export interface SubscriptionResponse<VO> {
  /** The hash the subscription carried: the left value this answers. */
  readonly valueHash: Buffer
  /** The right row's value; undefined while the right table has none. */
  readonly rightValue: VO | undefined
}

/** A subscription store's key: the foreign key first, so that one prefix scan finds every left row of a right row. */
export interface SubscriptionKey<KO, K> {
  readonly foreignKey: KO
  readonly leftKey: K
}

const VERSION = 1
const HASH_BYTES = 16
const INSTRUCTIONS: readonly SubscriptionInstruction[] = ['unsubscribe', 'subscribe', 'subscribe-and-report-absence']
const HAS_RIGHT_VALUE = 1

/** The hash of a left value: of its bytes by the left value serde (a truncated SHA-256, 16 bytes). */
export function leftValueHash<V>(valueSerde: Serde<V>, topic: string, value: V): Buffer {
  const bytes = valueSerde.serialize(topic, value) ?? Buffer.alloc(0)
  return createHash('sha256').update(bytes).digest().subarray(0, HASH_BYTES)
}

/** The subscription store's values: a left value's hash, as it is. */
export function valueHashSerde(): Serde<Buffer> {
  return {
    name: 'fk-value-hash',
    serialize: (_topic, hash) => hash,
    deserialize: (_topic, data) => {
      if (data === null || data.length !== HASH_BYTES) throw new Error(`a left value's hash has ${HASH_BYTES} bytes`)
      return Buffer.from(data)
    },
  }
}

/**
 * A Subscription in bytes: [version: 1][instruction: 1][hash: 16, subscriptions only][left key].
 * Serializing to the subscription topic also prepares `hashedValueSerde` for it: the left side
 * hashes left values with that serde and topic, and a registry serde must be prepared first.
 */
export function subscriptionSerde<K, V>(leftKeySerde: Serde<K>, hashedValueSerde: Serde<V>): Serde<Subscription<K>> {
  const split = (data: Buffer | null): { instruction: SubscriptionInstruction; valueHash?: Buffer; keyBytes: Buffer } => {
    if (data === null || data.length < 2 || data[0] !== VERSION) throw new Error('not a foreign-key join subscription (version 1)')
    const instruction = INSTRUCTIONS[data[1]]
    if (instruction === undefined) throw new Error(`unknown foreign-key join subscription instruction ${data[1]}`)
    if (instruction === 'unsubscribe') return { instruction, keyBytes: data.subarray(2) }
    if (data.length < 2 + HASH_BYTES) throw new Error('a foreign-key join subscription is truncated')
    return { instruction, valueHash: Buffer.from(data.subarray(2, 2 + HASH_BYTES)), keyBytes: data.subarray(2 + HASH_BYTES) }
  }
  return {
    name: `fk-subscription(${leftKeySerde.name})`,
    serialize: (topic, subscription) => {
      const head = Buffer.from([VERSION, INSTRUCTIONS.indexOf(subscription.instruction)])
      const hash = subscription.instruction === 'unsubscribe' ? Buffer.alloc(0) : (subscription.valueHash as Buffer)
      return Buffer.concat([head, hash, leftKeySerde.serialize(topic, subscription.leftKey) ?? Buffer.alloc(0)])
    },
    deserialize: (topic, data) => {
      const { instruction, valueHash, keyBytes } = split(data)
      const leftKey = leftKeySerde.deserialize(topic, keyBytes)
      return valueHash === undefined ? { instruction, leftKey } : { instruction, leftKey, valueHash }
    },
    prepare: async (topic, batch) => {
      if (batch.length === 0) await hashedValueSerde.prepare?.(topic, [])
      await leftKeySerde.prepare?.(topic, batch.flatMap((data) => (data === null ? [] : [split(data).keyBytes])))
    },
  }
}

/** A SubscriptionResponse in bytes: [version: 1][flags: 1][hash: 16][right value, if any]. */
export function subscriptionResponseSerde<VO>(rightValueSerde: Serde<VO>): Serde<SubscriptionResponse<VO>> {
  const split = (data: Buffer | null): { valueHash: Buffer; valueBytes: Buffer | undefined } => {
    if (data === null || data.length < 2 + HASH_BYTES || data[0] !== VERSION) throw new Error('not a foreign-key join response (version 1)')
    const valueHash = Buffer.from(data.subarray(2, 2 + HASH_BYTES))
    return { valueHash, valueBytes: data[1] & HAS_RIGHT_VALUE ? data.subarray(2 + HASH_BYTES) : undefined }
  }
  return {
    name: `fk-response(${rightValueSerde.name})`,
    serialize: (topic, response) => {
      const valueBytes = response.rightValue === undefined ? undefined : (rightValueSerde.serialize(topic, response.rightValue) ?? Buffer.alloc(0))
      const head = Buffer.from([VERSION, valueBytes === undefined ? 0 : HAS_RIGHT_VALUE])
      return Buffer.concat([head, response.valueHash, valueBytes ?? Buffer.alloc(0)])
    },
    deserialize: (topic, data) => {
      const { valueHash, valueBytes } = split(data)
      return { valueHash, rightValue: valueBytes === undefined ? undefined : rightValueSerde.deserialize(topic, valueBytes) }
    },
    prepare: async (topic, batch) => {
      const values = batch.flatMap((data) => {
        const bytes = data === null ? undefined : split(data).valueBytes
        return bytes === undefined ? [] : [bytes]
      })
      if (batch.length === 0 || values.length > 0) await rightValueSerde.prepare?.(topic, values)
    },
  }
}

/**
 * A SubscriptionKey in bytes: [foreign key's length: 4 BE][foreign key][left key]. Both parts
 * are written for `partsTopic` (the subscription topic) whatever topic the store passes, so that
 * `prefixOf` can compute a scan prefix without knowing the store's changelog.
 */
export function subscriptionKeySerde<KO, K>(foreignKeySerde: Serde<KO>, leftKeySerde: Serde<K>, partsTopic: string): Serde<SubscriptionKey<KO, K>> & { prefixOf(foreignKey: KO): Buffer } {
  const prefixOf = (foreignKey: KO): Buffer => {
    const keyBytes = foreignKeySerde.serialize(partsTopic, foreignKey) ?? Buffer.alloc(0)
    const head = Buffer.allocUnsafe(4)
    head.writeUInt32BE(keyBytes.length, 0)
    return Buffer.concat([head, keyBytes])
  }
  const split = (data: Buffer | null): [Buffer, Buffer] => {
    if (data === null || data.length < 4) throw new Error('a subscription key needs at least 4 bytes')
    const length = data.readUInt32BE(0)
    if (4 + length > data.length) throw new Error('a subscription key is truncated')
    return [data.subarray(4, 4 + length), data.subarray(4 + length)]
  }
  return {
    name: `fk-subscription-key(${foreignKeySerde.name}, ${leftKeySerde.name})`,
    prefixOf,
    serialize: (_topic, key) => Buffer.concat([prefixOf(key.foreignKey), leftKeySerde.serialize(partsTopic, key.leftKey) ?? Buffer.alloc(0)]),
    deserialize: (_topic, data) => {
      const [foreignKeyBytes, leftKeyBytes] = split(data)
      return { foreignKey: foreignKeySerde.deserialize(partsTopic, foreignKeyBytes), leftKey: leftKeySerde.deserialize(partsTopic, leftKeyBytes) }
    },
    prepare: async (_topic, batch) => {
      const parts = batch.flatMap((data) => (data === null ? [] : [split(data)]))
      await foreignKeySerde.prepare?.(partsTopic, parts.map(([foreignKey]) => foreignKey))
      await leftKeySerde.prepare?.(partsTopic, parts.map(([, leftKey]) => leftKey))
    },
    prepareLookup: async () => {
      await foreignKeySerde.prepareLookup?.(partsTopic)
      await leftKeySerde.prepareLookup?.(partsTopic)
    },
  }
}
