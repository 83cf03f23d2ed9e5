import { TopologyError } from '../errors.js'
import type { BackendKind } from '../state/backend.js'
import { KTable } from './ktable.js'
import { suppressProcessor } from './processors/suppress.js'
import { suppressedEntrySerde } from './processors/suppressed-entry.js'
import type { Suppressed } from './suppressed.js'

/** Options of KTable#suppress. */
export interface SuppressOptions {
  /** Name of the processor node. */
  name?: string
  /** Name of the buffer's store (default derived from the table). */
  store?: string
  backend?: BackendKind
  /** Keep a changelog topic for the buffer (default true: without it, a restart forgets what was held back). */
  logging?: boolean
}

/** @internal KTable#suppress. */
export function suppressTable<K, V>(table: KTable<K, V>, suppressed: Suppressed, options: SuppressOptions = {}): KTable<K, V> {
  const { builder, keySerde, valueSerde } = table
  const what = `suppress of "${table.lineage}"`
  if (suppressed.kind === 'until-window-closes' && table.windowCloseMs === undefined) {
    throw new TopologyError(`${what}: untilWindowCloses needs a windowed table (a count, aggregate or reduce of a windowed stream); use untilTimeLimit for other tables`)
  }
  if (!keySerde || !valueSerde) throw new TopologyError(`${what} needs the table's key and value serdes for its buffer store`)
  const name = builder.nodeName('suppress', options.name)
  const store = builder.storeName(`${table.lineage}-suppress`, options.store)
  const keyBytes = (key: K): Buffer => keySerde.serialize(store, key) ?? Buffer.alloc(0)
  builder.graph.addProcessor(
    name,
    suppressProcessor<K, V>({
      storeName: store,
      suppressed,
      windowCloseMs: table.windowCloseMs,
      keyId: (key) => keyBytes(key).toString('latin1'),
      entryBytes: (key, value) => keyBytes(key).length + (value === null ? 0 : (valueSerde.serialize(store, value as V)?.length ?? 0)) + 17,
    }),
    table.node,
  )
  builder.graph.addStateStore({ name: store, type: 'keyValue', keySerde, valueSerde: suppressedEntrySerde(valueSerde), logging: options.logging ?? true, backend: options.backend }, name)
  return new KTable<K, V>(builder, name, table.lineage, keySerde, valueSerde, undefined, undefined, table.windowCloseMs)
}
