import { toJson } from '../state/query/json-value.js'
import type { StoreListing, StoreResult, StoreRow } from '../state/query/store-request.js'
import { columnWidths, formatLines, formatTable } from './table.js'

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
      store.type === 'keyValue' ? 'key-value' : store.type,
      store.tasks.map((task) => task.task).join(', ') || '-',
      String(store.tasks.reduce((sum, task) => sum + task.approximateEntries, 0)),
      store.changelog ?? '-',
    ]),
  )
}

export function formatCount(result: Extract<StoreResult, { count: number }>): string {
  return formatTable(['task', 'count'], [...result.perTask.map((entry) => [entry.task, String(entry.count)]), ['total', String(result.count)]])
}

const WINDOW_HEADERS = ['task', 'key', 'window start', 'window end', 'value']
const SESSION_HEADERS = ['task', 'key', 'session start', 'session end', 'value']
const KEY_VALUE_HEADERS = ['task', 'key', 'value']

function cells(type: StoreResult['type'], row: StoreRow): string[] {
  if (type === 'window' || type === 'session') return [row.task, cell(row.key), time(row.window?.start ?? -1), time(row.window?.end ?? -1), cell(row.value)]
  return [row.task, cell(row.key), cell(row.value)]
}

/** Where the rows of a paged read are written as they come, page after page. */
export interface RowsWriter {
  page(result: Extract<StoreResult, { rows: readonly StoreRow[] }>): void
  end(): void
}

/** An aligned table: the first page sets the column widths, so later pages print as they come. */
export function tableWriter(write: (text: string) => void): RowsWriter {
  let widths: number[] | undefined
  return {
    page: (result) => {
      if (result.rows.length === 0) return
      const rows = result.rows.map((row) => cells(result.type, row))
      if (widths === undefined) {
        const headers = result.type === 'window' ? WINDOW_HEADERS : result.type === 'session' ? SESSION_HEADERS : KEY_VALUE_HEADERS
        widths = columnWidths(headers, rows)
        write(formatLines([headers], widths))
      }
      write(formatLines(rows, widths))
    },
    end: () => {
      if (widths === undefined) write('(no entries)\n')
    },
  }
}

/** `{ "store", "type", "rows": [...] }` as JSON.stringify(result, null, 2) would print it, written row by row. */
export function jsonWriter(write: (text: string) => void): RowsWriter {
  let started = false
  let rows = 0
  return {
    page: (result) => {
      if (!started) write(`{\n  "store": ${JSON.stringify(result.store)},\n  "type": ${JSON.stringify(result.type)},\n  "rows": [`)
      started = true
      for (const row of result.rows) write(`${rows++ === 0 ? '\n' : ',\n'}${toJson(row, 2).replace(/^/gm, '    ')}`)
    },
    end: () => write(`${rows === 0 ? ']' : '\n  ]'}\n}\n`),
  }
}
