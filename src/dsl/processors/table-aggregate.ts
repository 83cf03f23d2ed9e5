import type { InternalProcessorContext } from '../../processor/internal-processor-context.js'
import type { Processor, ProcessorContext, ProcessorSupplier } from '../../processor/processor.js'
import type { CachingProcessor } from '../../processor/processor-capabilities.js'
import type { Record } from '../../processor/record.js'
import type { Serde } from '../../serde/serde.js'
import type { KeyValueStore } from '../../state/store.js'
import type { Change } from './table-changes.js'
import { cacheIdOf, UpdateCache } from './update-cache.js'

/**
 * KTable.groupBy: each update of the table's row is sent to its group as a Change. The row's
 * previous group and value are kept in a store of their own (the table's updates carry only the
 * new value), so that the old value is subtracted from where it was added. A row staying in its
 * group sends one Change with both values; one moving sends the old value to its old group
 * first, then the new value to its new group; a deleted row only the old value.
 */
export function tableGroupByProcessor<K, V, K2, V2>(
  select: (key: K, value: V) => readonly [K2, V2],
  previousStoreName: string,
  keySerde: Serde<K2>,
  repartitionTopic: string,
): ProcessorSupplier<K, V | null, K2, Change<V2>> {
  return () => {
    let context: ProcessorContext<K2, Change<V2>>
    let previousStore: KeyValueStore<K, readonly [K2, V2]>
    const sameKey = (a: K2, b: K2): boolean => {
      if (a === b) return true
      const aBytes = keySerde.serialize(repartitionTopic, a)
      const bBytes = keySerde.serialize(repartitionTopic, b)
      return aBytes !== null && bBytes !== null && aBytes.equals(bBytes)
    }
    return {
      init: (ctx) => {
        context = ctx
        previousStore = ctx.getStateStore<KeyValueStore<K, readonly [K2, V2]>>(previousStoreName)
      },
      process: (record: Record<K, V | null>) => {
        const previous = previousStore.get(record.key)
        const selected = record.value === null || record.value === undefined ? undefined : select(record.key, record.value)
        // A row selected into no group (a null key) is in none, as a deleted one.
        const next = selected === undefined || selected[0] === null || selected[0] === undefined ? undefined : selected
        if (next === undefined) {
          if (previous === undefined) return
          previousStore.delete(record.key)
        } else {
          previousStore.put(record.key, next)
        }
        if (previous !== undefined && next !== undefined && sameKey(previous[0], next[0])) {
          context.forward(record.withKey(next[0]).withValue({ newValue: next[1], oldValue: previous[1] }))
          return
        }
        if (previous !== undefined) context.forward(record.withKey(previous[0]).withValue({ oldValue: previous[1] }))
        if (next !== undefined) context.forward(record.withKey(next[0]).withValue({ newValue: next[1] }))
      },
    }
  }
}

/** How a grouped table's aggregate changes: null or undefined deletes the group's row. */
export interface TableAggregateUpdate<K, V, VA> {
  add(key: K, value: V, aggregate: VA | undefined): VA | null | undefined
  subtract(key: K, value: V, aggregate: VA): VA | null | undefined
}

/**
 * KGroupedTable count / reduce / aggregate into a key-value store: for each Change the old value
 * is subtracted first (if the group has an aggregate), then the new one added, as Kafka Streams'
 * KTableAggregate does; updates wait in an UpdateCache until commit, as the stream aggregations'.
 */
export function tableAggregateProcessor<K, V, VA>(storeName: string, update: TableAggregateUpdate<K, V, VA>): ProcessorSupplier<K, Change<V>, K, VA | null> {
  return () => {
    let store: KeyValueStore<K, VA>
    let updates: UpdateCache<K, VA | null>
    const processor: Processor<K, Change<V>, K, VA | null> & CachingProcessor = {
      init: (ctx) => {
        const context = ctx as InternalProcessorContext<K, VA | null>
        store = ctx.getStateStore<KeyValueStore<K, VA>>(storeName)
        updates = new UpdateCache(context.updateCacheMaxEntries, (record) => context.forward(record), context.updateCacheMaxBytes, context.metrics)
      },
      forwardCached: () => updates.forwardAll(),
      process: (record) => {
        const previous = store.get(record.key)
        let aggregate: VA | null | undefined = previous
        if (record.value.oldValue !== undefined && aggregate !== undefined && aggregate !== null) aggregate = update.subtract(record.key, record.value.oldValue, aggregate)
        if (record.value.newValue !== undefined) aggregate = update.add(record.key, record.value.newValue, aggregate ?? undefined)
        const id = updates.holdsUpdates ? cacheIdOf(record.key) : undefined
        if (aggregate === null || aggregate === undefined) {
          if (previous === undefined) return
          store.delete(record.key)
          updates.add(id, record.withValue(null))
          return
        }
        store.put(record.key, aggregate)
        updates.add(id, record.withValue(aggregate))
      },
    }
    return processor
  }
}
