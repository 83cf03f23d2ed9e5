import type { ProcessorContext, ProcessorSupplier } from '../../processor/processor.js'
import type { Record } from '../../processor/record.js'
import type { KeyValueStore } from '../../state/store.js'
import type { TableValueGetter } from '../table-value-getter.js'

// A table's updates flow as records whose value is the key's new value, or null when the key
// was deleted (a tombstone), as a table source forwards them and toStream() shows them.

export type TableJoinKind = 'inner' | 'left' | 'outer'

/** Which input of a table-table join an update came from: `this` is the table join() was called on. */
export type TableJoinSide = 'this' | 'other'

function valueOf<V>(record: Record<unknown, V | null | undefined>): V | undefined {
  return record.value === null || record.value === undefined ? undefined : record.value
}

/**
 * Forwards a table's new value for a key (undefined: deleted). With a store, the table is
 * materialized there, and a delete of a key it never held is not forwarded; without one, every
 * delete is (the downstream reader cannot tell, and a tombstone for an absent key is harmless).
 */
function forwardUpdate<K, V>(context: ProcessorContext<K, V | null>, store: KeyValueStore<K, V> | undefined, record: Record<K, unknown>, next: V | undefined): void {
  if (store) {
    if (next === undefined) {
      if (store.get(record.key) === undefined) return
      store.delete(record.key)
    } else {
      store.put(record.key, next)
    }
  }
  context.forward(record.withValue(next === undefined ? null : next))
}

/**
 * KTable filter / filterNot / mapValues: each update's new value transformed, a delete passed on
 * as a delete (the transform never sees it). A transform returning undefined or null (a filter
 * that refuses the value, a mapper returning null) deletes the key, as in Kafka Streams, where a
 * filtered table forwards a tombstone for every record it drops.
 */
export function tableTransformProcessor<K, V, V2>(transform: (key: K, value: V) => V2 | null | undefined, storeName: string | undefined): ProcessorSupplier<K, V | null, K, V2 | null> {
  return () => {
    let context: ProcessorContext<K, V2 | null>
    let store: KeyValueStore<K, V2> | undefined
    return {
      init: (ctx) => {
        context = ctx
        store = storeName === undefined ? undefined : ctx.getStateStore<KeyValueStore<K, V2>>(storeName)
      },
      process: (record) => {
        const value = valueOf(record)
        const next = value === undefined ? undefined : transform(record.key, value)
        forwardUpdate(context, store, record, next === null ? undefined : next)
      },
    }
  }
}

/**
 * What a table-table join does on an update of one side, given both sides' current values (the
 * updated side's new one): 'skip' (no joined row existed or exists), 'delete' (the joined row
 * is gone) or 'join' (the joiner gives the row's new value). As Kafka Streams:
 * - inner: a row exists while both sides have a value;
 * - left: while this side has one (the other's may be undefined);
 * - outer: while either side has one.
 */
export function tableJoinAction<VL, VR>(kind: TableJoinKind, updated: TableJoinSide, left: VL | undefined, right: VR | undefined): 'skip' | 'delete' | 'join' {
  const own = updated === 'this' ? left : right
  const other = updated === 'this' ? right : left
  switch (kind) {
    case 'inner':
      if (other === undefined) return 'skip'
      return own === undefined ? 'delete' : 'join'
    case 'left':
      if (left !== undefined) return 'join'
      return updated === 'this' ? 'delete' : 'skip'
    case 'outer':
      return left === undefined && right === undefined ? 'delete' : 'join'
  }
}

/**
 * One input of a table-table join: an update of this side looks up the other side's current
 * value through its getter and forwards the joined row's new value, or a delete. The joined
 * row's timestamp is the update's (the stores keep no timestamps; Kafka Streams takes the later
 * of the two sides').
 */
export function tableJoinSideProcessor<K, VL, VR, VOut>(
  side: TableJoinSide,
  kind: TableJoinKind,
  otherSide: TableValueGetter<K, unknown>,
  joiner: (value: VL | undefined, otherValue: VR | undefined, key: K) => VOut,
): ProcessorSupplier<K, unknown, K, VOut | null> {
  return () => {
    let context: ProcessorContext<K, VOut | null>
    let lookup: (key: K) => unknown
    return {
      init: (ctx) => {
        context = ctx
        lookup = otherSide.init(ctx)
      },
      process: (record) => {
        const own = valueOf(record)
        const other = lookup(record.key)
        const left = (side === 'this' ? own : other) as VL | undefined
        const right = (side === 'this' ? other : own) as VR | undefined
        const action = tableJoinAction(kind, side, left, right)
        if (action === 'skip') return
        context.forward(record.withValue(action === 'delete' ? null : joiner(left, right, record.key)))
      },
    }
  }
}

/** The output of a table-table join: both inputs' updates, materialized in a store if given. */
export function tableMergeProcessor<K, V>(storeName: string | undefined): ProcessorSupplier<K, V | null, K, V | null> {
  return tableTransformProcessor<K, V, V>((_key, value) => value, storeName)
}
