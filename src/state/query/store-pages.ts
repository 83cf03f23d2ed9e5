import type { StoreResult, StoreRow } from './store-request.js'

/** Entries per page when a request names no limit. */
export const DEFAULT_PAGE_LIMIT = 1000
/** The most entries a page holds, whatever the request asks. */
export const MAX_PAGE_LIMIT = 10_000
/**
 * The most bytes of JSON one answer holds: far below what V8 can hold in one string (~512 MiB),
 * and small enough that one read never holds the task lock for long.
 */
export const MAX_PAGE_BYTES = 4 * 1024 * 1024
/** Entries a count goes through per section under the task lock. */
export const COUNT_SECTION_ENTRIES = 10_000

/**
 * Reads page after page, each from where the one before stopped, and merges them into one
 * result: rows one after the other, counts summed per task. For callers that want everything.
 */
export async function readAllPages(readPage: (cursor: string | undefined) => Promise<StoreResult>): Promise<StoreResult> {
  let page = await readPage(undefined)
  const rows: StoreRow[] = []
  const counts = new Map<string, number>()
  for (;;) {
    if ('rows' in page) for (const row of page.rows) rows.push(row)
    else for (const { task, count } of page.perTask) counts.set(task, (counts.get(task) ?? 0) + count)
    if (page.next === undefined) break
    page = await readPage(page.next)
  }
  const { store, type } = page
  if ('rows' in page) return { store, type, rows }
  const perTask = [...counts].map(([task, count]) => ({ task, count }))
  return { store, type, count: perTask.reduce((sum, entry) => sum + entry.count, 0), perTask }
}
