import type { InternalProcessorContext } from '../../processor/internal-processor-context.js'
import type { ProcessorContext, ProcessorSupplier } from '../../processor/processor.js'
import type { Record } from '../../processor/record.js'
import type { Serde } from '../../serde/serde.js'
import type { KeyValueStore } from '../../state/store.js'
import type { TableValueGetter } from '../table-value-getter.js'
import { leftValueHash, type Subscription, type SubscriptionKey, type SubscriptionResponse } from './foreign-key-messages.js'

// The four processors of a foreign-key table-table join (Kafka Streams' KIP-213), two on each
// side. Left: the subscription sender and the response resolver (with the local results of
// rows that subscribe to nothing). Right: the subscription receiver and the fan-out of right
// updates to every subscribed left row.

export type ForeignKeyJoinKind = 'inner' | 'left'

/** How a left value names its right row; null or undefined: none. */
export type ForeignKeyExtractor<K, V, KO> = (value: V, key: K) => KO | null | undefined

export type ForeignKeyJoiner<K, V, VO, VR> = (value: V, otherValue: VO | undefined, key: K) => VR

function valueOf<V>(record: Record<unknown, V | null | undefined>): V | undefined {
  return record.value === null || record.value === undefined ? undefined : record.value
}

function foreignKeyOf<K, V, KO>(extract: ForeignKeyExtractor<K, V, KO>, key: K, value: V | undefined): KO | undefined {
  if (value === undefined) return undefined
  const foreignKey = extract(value, key)
  return foreignKey === null ? undefined : foreignKey
}

/** Where the left side hashes its values: with the left value serde, for the subscription topic. */
export interface LeftValueHashing<V> {
  readonly serde: Serde<V>
  readonly topic: string
}

/**
 * Left side: each update of a left row subscribes it to the right row its foreign key names, and
 * unsubscribes it from the one it named before. Table updates carry only the new value, so the
 * foreign key each row subscribed with is kept in a store of its own (as groupBy keeps each
 * row's group); a foreign key is compared by its bytes, since keys may be objects.
 */
export function subscriptionSenderProcessor<K, V, KO>(
  extract: ForeignKeyExtractor<K, V, KO>,
  kind: ForeignKeyJoinKind,
  foreignKeysStoreName: string,
  foreignKeySerde: Serde<KO>,
  hashing: LeftValueHashing<V>,
): ProcessorSupplier<K, V | null, KO, Subscription<K>> {
  return () => {
    let context: ProcessorContext<KO, Subscription<K>>
    let foreignKeys: KeyValueStore<K, KO>
    const same = (a: KO, b: KO): boolean => {
      if (a === b) return true
      const aBytes = foreignKeySerde.serialize(hashing.topic, a)
      const bBytes = foreignKeySerde.serialize(hashing.topic, b)
      return aBytes !== null && bBytes !== null && aBytes.equals(bBytes)
    }
    return {
      init: (ctx) => {
        context = ctx
        foreignKeys = ctx.getStateStore<KeyValueStore<K, KO>>(foreignKeysStoreName)
      },
      process: (record) => {
        const leftKey = record.key
        const value = valueOf(record)
        const next = foreignKeyOf(extract, leftKey, value)
        const previous = foreignKeys.get(leftKey)
        if (previous !== undefined && (next === undefined || !same(previous, next))) {
          context.forward(record.withKey(previous).withValue({ instruction: 'unsubscribe', leftKey }))
        }
        if (next === undefined) {
          if (previous !== undefined) foreignKeys.delete(leftKey)
          return
        }
        foreignKeys.put(leftKey, next)
        // An inner join's row that subscribed to nothing before has no result to delete: while the
        // right row is missing, the right side need not answer.
        const instruction = kind === 'left' || previous !== undefined ? 'subscribe-and-report-absence' : 'subscribe'
        context.forward(record.withKey(next).withValue({ instruction, leftKey, valueHash: leftValueHash(hashing.serde, hashing.topic, value as V) }))
      },
    }
  }
}

/**
 * Left side: the results that need no answer from the right side. A deleted left row deletes its
 * result; a row whose foreign key is null joins nothing (inner: its result is deleted; left:
 * joiner(value, undefined)). Answers still under way for its earlier values are dropped by the
 * resolver, whose hash no longer matches.
 */
export function foreignKeyLocalResultProcessor<K, V, KO, VO, VR>(extract: ForeignKeyExtractor<K, V, KO>, joiner: ForeignKeyJoiner<K, V, VO, VR>, kind: ForeignKeyJoinKind): ProcessorSupplier<K, V | null, K, VR | null> {
  return () => {
    let context: ProcessorContext<K, VR | null>
    return {
      init: (ctx) => {
        context = ctx
      },
      process: (record) => {
        const value = valueOf(record)
        if (value !== undefined && foreignKeyOf(extract, record.key, value) !== undefined) return
        if (value === undefined || kind === 'inner') {
          context.forward(record.withValue(null))
          return
        }
        const joined = joiner(value, undefined, record.key)
        context.forward(record.withValue(joined ?? null))
      },
    }
  }
}

/**
 * Right side: a subscription is remembered (or forgotten) in the subscription store, keyed by
 * foreign key then left key; a subscribe is answered with the right row's current value.
 */
export function subscriptionReceiverProcessor<KO, K, VO>(subscriptionsStoreName: string, right: TableValueGetter<KO, VO>): ProcessorSupplier<KO, Subscription<K>, K, SubscriptionResponse<VO>> {
  return () => {
    let context: ProcessorContext<K, SubscriptionResponse<VO>>
    let subscriptions: KeyValueStore<SubscriptionKey<KO, K>, Buffer>
    let getRight: (key: KO) => VO | undefined
    return {
      init: (ctx) => {
        context = ctx
        subscriptions = ctx.getStateStore<KeyValueStore<SubscriptionKey<KO, K>, Buffer>>(subscriptionsStoreName)
        getRight = right.init(ctx)
      },
      process: (record) => {
        const { instruction, leftKey, valueHash } = record.value
        const key = { foreignKey: record.key, leftKey }
        if (instruction === 'unsubscribe' || valueHash === undefined) {
          subscriptions.delete(key)
          return
        }
        subscriptions.put(key, valueHash)
        const rightValue = getRight(record.key)
        if (rightValue === undefined && instruction === 'subscribe') return
        context.forward(record.withKey(leftKey).withValue({ valueHash, rightValue }))
      },
    }
  }
}

/** Right side: an update (or delete) of a right row is sent to every left row subscribed to it. */
export function rightUpdateFanOutProcessor<KO, K, VO>(
  subscriptionsStoreName: string,
  prefixOf: (foreignKey: KO) => Buffer,
): ProcessorSupplier<KO, VO | null, K, SubscriptionResponse<VO>> {
  return () => {
    let context: ProcessorContext<K, SubscriptionResponse<VO>>
    let subscriptions: KeyValueStore<SubscriptionKey<KO, K>, Buffer>
    return {
      init: (ctx) => {
        context = ctx
        subscriptions = ctx.getStateStore<KeyValueStore<SubscriptionKey<KO, K>, Buffer>>(subscriptionsStoreName)
      },
      process: async (record) => {
        const rightValue = valueOf(record)
        for await (const { key, value: valueHash } of subscriptions.prefixScan(prefixOf(record.key))) {
          context.forward(record.withKey(key.leftKey).withValue({ valueHash, rightValue }))
        }
      },
    }
  }
}

/**
 * Left side: an answer becomes the left row's result only if it answers the row's current value
 * (its hash matches); an answer to an earlier value, overtaken by a later update, is dropped and
 * counted (`foreignKeyResponsesDropped`). A missing right row deletes an inner join's result and
 * gives a left join's joiner(value, undefined); a joiner returning null deletes the result.
 */
export function responseResolverProcessor<K, V, VO, VR>(
  left: TableValueGetter<K, V>,
  hashing: LeftValueHashing<V>,
  joiner: ForeignKeyJoiner<K, V, VO, VR>,
  kind: ForeignKeyJoinKind,
): ProcessorSupplier<K, SubscriptionResponse<VO>, K, VR | null> {
  return () => {
    let context: InternalProcessorContext<K, VR | null>
    let getLeft: (key: K) => V | undefined
    return {
      init: (ctx) => {
        context = ctx as InternalProcessorContext<K, VR | null>
        getLeft = left.init(ctx)
      },
      process: (record) => {
        const { valueHash, rightValue } = record.value
        const value = getLeft(record.key)
        if (value === undefined || !leftValueHash(hashing.serde, hashing.topic, value).equals(valueHash)) {
          context.metrics.foreignKeyResponsesDropped++
          return
        }
        if (rightValue === undefined && kind === 'inner') {
          context.forward(record.withValue(null))
          return
        }
        const joined = joiner(value, rightValue, record.key)
        context.forward(record.withValue(joined ?? null))
      },
    }
  }
}
