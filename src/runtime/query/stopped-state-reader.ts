import { cp, mkdtemp, readdir, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import type { BackendKind } from '../../state/backend.js'
import { lockHolder } from '../../state/backends/lock-holder.js'
import { openStore } from '../../state/open-store.js'
import { deleteTemporaryDirectory } from '../../state/safe-delete.js'
import { compareTaskIds, TaskId } from '../../base/task-id.js'
import { queryStorePage, type StoreInstance } from '../../state/query/query-store.js'
import { readAllPages } from '../../state/query/store-pages.js'
import type { PageRequest, StoreListing, StoreRequest, StoreResult } from '../../state/query/store-request.js'
import type { StoreSpec } from '../../state/store.js'
import { globalStateDirectory } from '../../state/state-directory.js'
import { GLOBAL_INSTANCE } from '../../state/query/store-cursor.js'
import type { Topology } from '../../topology/topology.js'

/** A store directory that a running process holds open. */
export class StoreLockedError extends Error {
  override readonly name = 'StoreLockedError'
}

export interface StoppedStateOptions {
  /** The application's state root (its stores are in <stateDir>/<applicationId>/<taskId>/<store>). */
  stateDir: string
  /** The default backend, as the application ran with (a store's own choice wins). */
  backend: BackendKind
}

/**
 * Reads the local stores of a stopped application without changing them. LevelDB has no
 * read-only mode (opening replays its log and may compact), so each store directory is
 * copied to a temporary directory and the copy is opened, read and deleted. A directory
 * whose lock a live process holds is refused: the copy could be torn mid-write, and the
 * running application answers over HTTP instead.
 */
export class StoppedStateReader {
  constructor(
    readonly topology: Topology,
    private readonly options: StoppedStateOptions,
  ) {}

  private get applicationDirectory(): string {
    return join(this.options.stateDir, this.topology.applicationId)
  }

  async list(): Promise<StoreListing[]> {
    const listings: StoreListing[] = []
    for (const spec of this.topology.stores.values()) {
      const tasks = await this.withCopies(spec, async (instances) =>
        Promise.all(instances.map(async ({ task, store }) => ({ task, approximateEntries: await store.backend.approximateCount() }))),
      )
      listings.push({ name: spec.name, type: spec.type, changelog: this.topology.changelogTopicOf(spec.name), tasks })
    }
    return listings
  }

  /** The whole answer to a read. */
  async query(storeName: string, request: StoreRequest): Promise<StoreResult> {
    const unbounded = { limit: Infinity, maxBytes: Infinity }
    return this.withPages(storeName, request, (readPage) => readAllPages((cursor) => readPage({ ...unbounded, cursor })))
  }

  /** Reads pages of one read on copies opened once for all of them, for as long as `use` runs. */
  async withPages<T>(storeName: string, request: StoreRequest, use: (readPage: (page: PageRequest) => Promise<StoreResult>) => Promise<T>): Promise<T> {
    const spec = this.topology.storeSpec(storeName)
    return this.withCopies(spec, (instances) => use((page) => queryStorePage(spec, this.topology.storeSerdeTopic(spec.name), instances, request, page)))
  }

  /** The local task directories holding an instance of the store, in task order (a global store's one directory). */
  private async taskDirectories(spec: StoreSpec): Promise<{ task: string; directory: string }[]> {
    let names: string[]
    try {
      names = await readdir(this.applicationDirectory)
    } catch {
      throw new Error(`no local state for application ${this.topology.applicationId} in ${this.options.stateDir} (wrong --state-dir / SLUICE_STATE_DIR?)`)
    }
    if (this.topology.globalStore(spec.name)) {
      const directory = join(globalStateDirectory(this.options.stateDir, this.topology.applicationId), spec.name)
      return (await stat(directory).then((s) => s.isDirectory(), () => false)) ? [{ task: GLOBAL_INSTANCE, directory }] : []
    }
    const subtopologies = new Set(this.topology.subtopologies.filter((sub) => sub.stores.some((store) => store.name === spec.name)).map((sub) => sub.id))
    const found: { task: string; directory: string }[] = []
    for (const task of names) {
      const id = TaskId.tryParse(task)
      if (!id || !subtopologies.has(id.subtopology)) continue
      const directory = join(this.applicationDirectory, task, spec.name)
      if (await stat(directory).then((s) => s.isDirectory(), () => false)) found.push({ task, directory })
    }
    return found.sort((a, b) => compareTaskIds(a.task, b.task))
  }

  private async withCopies<T>(spec: StoreSpec, use: (instances: StoreInstance[]) => Promise<T>): Promise<T> {
    const backend = spec.backend ?? this.options.backend
    if (backend === 'memory') throw new Error(`store ${spec.name} lives in memory only: query the running application over HTTP (--url)`)
    const tasks = await this.taskDirectories(spec)
    for (const { directory } of tasks) {
      const pid = await lockHolder(directory)
      if (pid !== undefined) {
        throw new StoreLockedError(
          `store directory ${directory} is locked by a running process (pid ${pid}); query the running application over HTTP instead: ` +
            'start it with --query-port <port> (or SLUICE_QUERY_PORT) and use sluice store ... --url http://127.0.0.1:<port>',
        )
      }
    }
    const temporary = await mkdtemp(join(tmpdir(), 'sluice-store-'))
    const instances: StoreInstance[] = []
    try {
      for (const { task, directory } of tasks) {
        const copy = join(temporary, task)
        // The copy gets a fresh LOCK of its own when opened. Links are followed (a store
        // directory or file that is a symlink is copied as its contents): a copied link would
        // let opening the copy replay and compact the original.
        await cp(directory, copy, { recursive: true, dereference: true, filter: (source) => basename(source) !== 'LOCK' })
        instances.push({ task, store: await openStore(spec, { directory: copy, backend }, { serdeTopic: this.topology.storeSerdeTopic(spec.name) }) })
      }
      return await use(instances)
    } finally {
      for (const { store } of instances) await store.close().catch(() => undefined)
      await deleteTemporaryDirectory(temporary)
    }
  }
}
