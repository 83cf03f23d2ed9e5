import type { TimeWindow } from '../base/windowed.js'
import type { StoreSpec } from '../state/store.js'
import type { ConsoleApplication } from './console-application.js'

/** The entries of a window store's newest window: the console's live bar chart. */
export interface LatestWindow {
  readonly store: string
  readonly window: TimeWindow | undefined
  readonly entries: readonly WindowEntry[]
  /** The window before the newest, if it holds entries: complete, where the newest is still filling. */
  readonly previous: { readonly window: TimeWindow; readonly entries: readonly WindowEntry[] } | undefined
}

export interface WindowEntry {
  readonly key: unknown
  readonly value: unknown
}

/**
 * Reads the newest window of a window store: the one that holds the latest stream time of the
 * tasks that own the store (for a tumbling count, the window now filling up). An application
 * that has seen no record yet has no window.
 */
export async function latestWindow(application: ConsoleApplication, spec: StoreSpec): Promise<LatestWindow> {
  const owners = new Set(application.topology.subtopologies.filter((subtopology) => subtopology.stores.some((store) => store.name === spec.name)).map((subtopology) => subtopology.id))
  let streamTime = -1
  for (const task of application.status().tasks) if (owners.has(task.subtopology) && task.streamTimeMs > streamTime) streamTime = task.streamTimeMs
  if (streamTime < 0) return { store: spec.name, window: undefined, entries: [], previous: undefined }
  const size = spec.windowSizeMs ?? 0
  const rows = await application.windowStore(spec.name).fetchAll(streamTime - 2 * size, streamTime)
  const starts = [...new Map(rows.map((row) => [row.key.window.start, row.key.window])).values()].sort((a, b) => b.start - a.start)
  const entriesOf = (window: TimeWindow): WindowEntry[] => rows.filter((row) => row.key.window.start === window.start).map((row) => ({ key: row.key.key, value: row.value }))
  const [newest, before] = starts
  return {
    store: spec.name,
    window: newest,
    entries: newest === undefined ? [] : entriesOf(newest),
    previous: before === undefined ? undefined : { window: before, entries: entriesOf(before) },
  }
}
