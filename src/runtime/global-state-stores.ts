import { join } from 'node:path'
import { DeserializationError } from '../errors.js'
import { topicPartitionKey } from '../base/topic-partition.js'
import type { Headers } from '../serde/serde.js'
import type { BackendKind } from '../state/backend.js'
import { CheckpointFile } from '../state/checkpoint-file.js'
import type { ManagedStore } from '../state/managed-store.js'
import { isKeyValueStore, openStore, type CachedKeyValueStore } from '../state/open-store.js'
import { deleteStateDirectory } from '../state/safe-delete.js'
import { createGlobalStateDirectory, globalStateDirectory } from '../state/state-directory.js'
import type { GlobalStore } from '../topology/global-store.js'
import type { Topology } from '../topology/topology.js'

/** A record of a global store's topic, as read. */
export interface GlobalTopicRecord {
  readonly offset: bigint
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly headers?: Headers
}

export interface GlobalStateOptions {
  stateDir: string
  /** The application's default backend (a store's own choice wins). */
  backend: BackendKind
  cacheMaxBytes?: number
  /**
   * The topics' end offsets now, by topicPartitionKey: a checkpoint past one (the topic was
   * recreated) is not believed. Given, the stores are rebuilt from nothing unless a checkpoint
   * vouches for them: what a crash left may hold keys whose deletes are compacted away by now.
   */
  endOffsets?: ReadonlyMap<string, bigint>
}

/**
 * An instance's global stores (see GlobalStore) under <stateDir>/<applicationId>/global/, with
 * the checkpoint of the offsets they hold everything before. Records are applied one
 * partition's batch at a time, decoded with the source's serdes (a null value deletes the key)
 * and written to the backend as one batch; tasks read the stores between those batches.
 */
export class GlobalStateStores {
  private readonly positions = new Map<string, bigint>()

  private constructor(
    private readonly topology: Topology,
    private readonly opened: ReadonlyMap<string, CachedKeyValueStore<unknown, unknown>>,
    private readonly checkpointFile: CheckpointFile,
    restoredPositions: ReadonlyMap<string, bigint>,
  ) {
    for (const [key, offset] of restoredPositions) this.positions.set(key, offset)
  }

  static async open(topology: Topology, options: GlobalStateOptions): Promise<GlobalStateStores> {
    const directory = globalStateDirectory(options.stateDir, topology.applicationId)
    const checkpointFile = new CheckpointFile(directory)
    const restored = new Map<string, bigint>()
    if (topology.globalStores.length > 0) {
      for (const [key, offset] of await checkpointFile.read()) restored.set(key, BigInt(offset))
      const ends = options.endOffsets
      const trusted = ends === undefined || (restored.size > 0 && [...restored].every(([key, offset]) => offset <= (ends.get(key) ?? 0n)))
      if (!trusted) {
        await deleteStateDirectory(options.stateDir, directory)
        restored.clear()
      }
      await createGlobalStateDirectory(options.stateDir, topology.applicationId)
    }
    const stores = new Map<string, CachedKeyValueStore<unknown, unknown>>()
    try {
      for (const global of topology.globalStores) {
        const store = await openStore(global.spec, { directory: join(directory, global.spec.name), backend: options.backend }, {
          serdeTopic: topology.storeSerdeTopic(global.spec.name),
          cacheMaxBytes: options.cacheMaxBytes,
        })
        stores.set(global.spec.name, store as CachedKeyValueStore<unknown, unknown>)
        if (!isKeyValueStore(store)) throw new Error(`the global store ${global.spec.name} is not a key-value store`)
        // Serialization is synchronous: a registry serde looks up its schema here, once.
        await global.spec.keySerde.prepare?.(store.serdeTopic, [])
        await global.spec.valueSerde.prepare?.(store.serdeTopic, [])
      }
    } catch (error) {
      for (const store of stores.values()) await store.close().catch(() => undefined)
      throw error
    }
    return new GlobalStateStores(topology, stores, checkpointFile, restored)
  }

  /** The stores by name, for the tasks' processors and for queries. */
  get stores(): ReadonlyMap<string, ManagedStore> {
    return this.opened
  }

  /** The next offset to read of a partition: where the stores' contents end (0 when new). */
  position(topic: string, partition: number): bigint {
    return this.positions.get(topicPartitionKey({ topic, partition })) ?? 0n
  }

  /** Moves a partition's position past offsets that held no record (transaction markers, aborted records). */
  advance(topic: string, partition: number, nextOffset: bigint): void {
    const key = topicPartitionKey({ topic, partition })
    if (nextOffset > (this.positions.get(key) ?? 0n)) this.positions.set(key, nextOffset)
  }

  /**
   * Applies a batch of one partition of a global store's topic, in offset order. A record
   * without a key is no entry and is skipped; one that cannot be decoded fails the batch,
   * naming its position, before anything of it is written.
   */
  async apply(topic: string, partition: number, records: readonly GlobalTopicRecord[]): Promise<void> {
    const global = this.topology.globalStoreOf(topic)
    const store = global && this.opened.get(global.spec.name)
    if (!global || !store) throw new Error(`no global store of ${this.topology.applicationId} is kept from topic ${topic}`)
    const { keySerde, valueSerde } = global.source
    const keyed = records.filter((record) => record.key !== null)
    await keySerde.prepare?.(topic, keyed.map((record) => record.key))
    await valueSerde.prepare?.(topic, keyed.map((record) => record.value))
    const changes = keyed.map((record) => decode(global, partition, record))
    for (const { key, value } of changes) {
      if (value === null || value === undefined) store.delete(key)
      else store.put(key, value)
    }
    await store.flush()
    if (records.length > 0) this.advance(topic, partition, records[records.length - 1].offset + 1n)
  }

  /** Records the positions the stores are complete up to (every applied batch is in the backend). */
  async checkpoint(): Promise<void> {
    const offsets = new Map([...this.positions].map(([key, offset]) => [key, offset.toString()]))
    await this.checkpointFile.write(offsets)
  }

  /** Checkpoints (when `clean`) and closes the stores. */
  async close(clean: boolean): Promise<void> {
    if (clean) await this.checkpoint()
    for (const store of this.opened.values()) await store.close()
  }
}

function decode(global: GlobalStore, partition: number, record: GlobalTopicRecord): { key: unknown; value: unknown } {
  const position = { topic: global.topic, partition, offset: record.offset.toString() }
  const headers = record.headers ?? {}
  let key: unknown
  try {
    key = global.source.keySerde.deserialize(global.topic, record.key as Buffer, headers)
  } catch (error) {
    throw new DeserializationError(position, 'key', error)
  }
  try {
    return { key, value: global.source.valueSerde.deserialize(global.topic, record.value, headers) }
  } catch (error) {
    throw new DeserializationError(position, 'value', error)
  }
}
