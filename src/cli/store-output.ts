import { toJson } from '../state/query/json-value.js'
import type { StoreListing, StoreResult } from '../state/query/store-request.js'
import { formatTable } from './table.js'

/** A decoded key or value in a table cell: strings as they are, the rest as compact JSON. */
function cell(value: unknown): string {
  return typeof value === 'string' ? value : toJson(value)
}

function time(ms: number): string {
  return Number.isSafeInteger(ms) && ms >= 0 && ms < 8.64e15 ? new Date(ms).toISOString() : String(ms)
}

export function formatListings(listings: readonly StoreListing[]): string {
  if (listings.length === 0) return 'no stores\n'
  return formatTable(
    ['store', 'type', 'local tasks', 'entries (approx.)', 'changelog'],
    listings.map((store) => [
      store.name,
      store.type === 'keyValue' ? 'key-value' : 'window',
      store.tasks.map((task) => task.task).join(', ') || '-',
      String(store.tasks.reduce((sum, task) => sum + task.approximateEntries, 0)),
      store.changelog ?? '-',
    ]),
  )
}

export function formatResult(result: StoreResult): string {
  if ('count' in result) {
    return formatTable(['task', 'count'], [...result.perTask.map((entry) => [entry.task, String(entry.count)]), ['total', String(result.count)]])
  }
  if (result.rows.length === 0) return '(no entries)\n'
  if (result.type === 'window') {
    return formatTable(
      ['task', 'key', 'window start', 'window end', 'value'],
      result.rows.map((row) => [row.task, cell(row.key), time(row.window?.start ?? -1), time(row.window?.end ?? -1), cell(row.value)]),
    )
  }
  return formatTable(['task', 'key', 'value'], result.rows.map((row) => [row.task, cell(row.key), cell(row.value)]))
}
