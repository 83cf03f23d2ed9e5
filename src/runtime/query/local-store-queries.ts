import { isKeyValueStore, isSessionStore, isWindowStore, type OpenedStore } from '../../state/open-store.js'
import { queryStorePage, type StoreInstance } from '../../state/query/query-store.js'
import {
  readOnlyKeyValueStore,
  readOnlySessionStore,
  readOnlyWindowStore,
  type ReadOnlyKeyValueStore,
  type ReadOnlySessionStore,
  type ReadOnlyWindowStore,
} from '../../state/query/read-only-stores.js'
import { StoreUnavailableError } from '../../state/query/store-errors.js'
import { COUNT_SECTION_ENTRIES, DEFAULT_PAGE_LIMIT, MAX_PAGE_BYTES, readAllPages } from '../../state/query/store-pages.js'
import type { PageRequest, StoreListing, StoreRequest, StoreResult } from '../../state/query/store-request.js'
import type { Serde } from '../../serde/serde.js'
import type { Topology } from '../../topology/topology.js'
import type { ActiveTask } from '../kafka/task-manager.js'
import type { ManagedStore } from '../../state/managed-store.js'
import { GLOBAL_INSTANCE } from '../../state/query/store-cursor.js'

/** What the queries need of the running application. */
export interface LocalStoreAccess {
  /** Why stores cannot be read now (not running, rebalancing), or undefined when they can. */
  unavailable(): string | undefined
  /** Runs a section under the application's task lock (between batches and commits) with the active tasks. */
  withTasks<T>(section: (tasks: readonly ActiveTask[]) => Promise<T>): Promise<T>
  /** The instance's global stores, each whole (none: the topology has none). */
  globalStores?(): ReadonlyMap<string, ManagedStore>
}

/** Interactive queries: reads of a running application's stores over all of its local tasks. */
export class LocalStoreQueries {
  constructor(
    private readonly topology: Topology,
    private readonly access: LocalStoreAccess,
  ) {}

  keyValueStore<K, V>(name: string): ReadOnlyKeyValueStore<K, V> {
    const spec = this.topology.storeSpec(name)
    if (spec.type !== 'keyValue') throw new Error(`store ${name} is a ${spec.type} store: use ${spec.type}Store("${name}")`)
    return readOnlyKeyValueStore(name, (request) => this.query(name, request))
  }

  windowStore<K, V>(name: string): ReadOnlyWindowStore<K, V> {
    const spec = this.topology.storeSpec(name)
    if (spec.type !== 'window') throw new Error(`store ${name} is a ${spec.type === 'keyValue' ? 'key-value' : spec.type} store: use ${spec.type === 'keyValue' ? 'store' : `${spec.type}Store`}("${name}")`)
    return readOnlyWindowStore(name, (request) => this.query(name, request))
  }

  sessionStore<K, V>(name: string): ReadOnlySessionStore<K, V> {
    const spec = this.topology.storeSpec(name)
    if (spec.type !== 'session') throw new Error(`store ${name} is a ${spec.type === 'keyValue' ? 'key-value' : spec.type} store: use ${spec.type === 'keyValue' ? 'store' : `${spec.type}Store`}("${name}")`)
    return readOnlySessionStore(name, (request) => this.query(name, request))
  }

  /**
   * The whole answer to a read, page after page, each page under the task lock on its own, so
   * that processing goes on between pages however large the store.
   */
  query(name: string, request: StoreRequest): Promise<StoreResult> {
    const limit = request.op === 'count' ? COUNT_SECTION_ENTRIES : DEFAULT_PAGE_LIMIT
    return readAllPages((cursor) => this.queryPage(name, request, { cursor, limit, maxBytes: request.op === 'count' ? Infinity : MAX_PAGE_BYTES }))
  }

  /** One page of a read under the task lock; `next` in the result says where the next one starts. */
  queryPage(name: string, request: StoreRequest, page: PageRequest): Promise<StoreResult> {
    const spec = this.topology.storeSpec(name)
    const topic = this.topology.storeSerdeTopic(name)
    return this.underLock(async (tasks) => {
      const result = await queryStorePage(spec, topic, instancesOf(tasks, name, this.access.globalStores?.()), request, page)
      if (!('rows' in result)) return result
      // The caches hand out the objects they hold: give the caller copies (through the serdes,
      // as a read from disk would), so that changing a result can never change the store.
      const copy = <T>(serde: Serde<T>, value: T): T => serde.deserialize(topic, serde.serialize(topic, value))
      return { ...result, rows: result.rows.map((row) => ({ ...row, key: copy(spec.keySerde, row.key), value: copy(spec.valueSerde, row.value) })) }
    })
  }

  list(): Promise<StoreListing[]> {
    return this.underLock(async (tasks) => {
      const listings: StoreListing[] = []
      for (const spec of this.topology.stores.values()) {
        const counts = await Promise.all(
          instancesOf(tasks, spec.name, this.access.globalStores?.()).map(async ({ task, store }) => ({
            task,
            approximateEntries: store.storeType === 'keyValue' ? await store.approximateNumEntries() : await store.backend.approximateCount(),
          })),
        )
        listings.push({ name: spec.name, type: spec.type, changelog: this.topology.changelogTopicOf(spec.name), tasks: counts })
      }
      return listings
    })
  }

  private underLock<T>(section: (tasks: readonly ActiveTask[]) => Promise<T>): Promise<T> {
    const checkAvailable = (): void => {
      const reason = this.access.unavailable()
      if (reason !== undefined) throw new StoreUnavailableError(`stores of ${this.topology.applicationId} cannot be queried: ${reason}`)
    }
    checkAvailable()
    // The state may change while waiting for the lock: check again inside it.
    return this.access.withTasks(async (tasks) => {
      checkAvailable()
      return section(tasks)
    })
  }
}

function instancesOf(tasks: readonly ActiveTask[], name: string, globalStores: ReadonlyMap<string, ManagedStore> | undefined): StoreInstance[] {
  // A global store is one instance holding every partition: reading it once is reading all of it.
  const global = globalStores?.get(name)
  if (global && isKeyValueStore(global)) return [{ task: GLOBAL_INSTANCE, store: global as OpenedStore }]
  const instances: StoreInstance[] = []
  for (const { task } of tasks) {
    const store = task.stores.get(name)
    if (store && (isKeyValueStore(store) || isWindowStore(store) || isSessionStore(store))) instances.push({ task: task.taskId, store: store as OpenedStore })
  }
  return instances
}
