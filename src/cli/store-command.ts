import { readQueryEndpoint } from '../runtime/query/query-endpoint-file.js'
import { StoppedStateReader } from '../runtime/query/stopped-state-reader.js'
import type { BackendKind } from '../state/backend.js'
import { toJson } from '../state/query/json-value.js'
import { COUNT_SECTION_ENTRIES, DEFAULT_PAGE_LIMIT, MAX_PAGE_BYTES, MAX_PAGE_LIMIT, readAllPages } from '../state/query/store-pages.js'
import type { StoreListing, StoreResult } from '../state/query/store-request.js'
import { isStoreOperation, STORE_OPERATIONS, storeRequestFromText, type StoreOperation, type StoreRequestText } from '../state/query/store-request-text.js'
import type { Topology } from '../topology/topology.js'
import { integerSetting, settingOf, textSetting } from './setting.js'
import { formatCount, formatListings, jsonWriter, tableWriter } from './store-output.js'

export interface StoreCommandOptions {
  stateDir: string
  backend: BackendKind
  /** A running application's query server; found from its state directory when absent. */
  url?: string
  /** The query server's bearer token, when it needs one. */
  token?: string
  json?: boolean
  from?: string
  to?: string
  /** Print one page of this many entries (and the cursor to go on), rather than everything. */
  limit?: string
  /** Start where an earlier page stopped (its `next`). */
  cursor?: string
  log: (message: string) => void
  /** Output, written page by page as the pages come. */
  write: (text: string) => void
}

/** Reads pages of one read: `readPage(cursor)` gives the page that starts there. */
type PagedRead = (readPage: (cursor: string | undefined) => Promise<StoreResult>) => Promise<void>

/** Where `sluice store` reads: a running application over HTTP, or a stopped one's local files. */
interface StoreSource {
  list(): Promise<StoreListing[]>
  /** Runs `use` with a page reader for the read; a stopped application's store copies stay open meanwhile. */
  read(store: string, op: StoreOperation, text: StoreRequestText, limit: number, use: PagedRead): Promise<void>
}

/**
 * `sluice store <topology> ls | get <store> <key> | range <store> [--from k] [--to k] |
 * prefix <store> <prefix> | fetch <store> [key] [--from t] [--to t] | count <store>`.
 * Prints a table, or JSON with --json (the same JSON for a running and a stopped application).
 * Rows come page by page and are printed as they come, so a store of any size prints; with
 * --limit n only one page, and the cursor that goes on from it (--cursor).
 */
export async function storeCommand(topology: Topology, args: readonly string[], options: StoreCommandOptions): Promise<void> {
  const [subcommand, store, argument] = args
  if (subcommand === undefined) throw new Error(`store needs a subcommand: ls, ${STORE_OPERATIONS.join(', ')}`)
  // Checked before anything is read: errors name the flag (InvalidSettingError, exit 2).
  const pageLimit = integerSetting(settingOf('limit', options.limit), { min: 1, max: MAX_PAGE_LIMIT, unit: 'entries' }) ?? DEFAULT_PAGE_LIMIT
  const startCursor = textSetting(settingOf('cursor', options.cursor))
  const source = await sourceFor(topology, options)
  const { write } = options
  if (subcommand === 'ls') {
    const listings = await source.list()
    return write(options.json ? `${toJson({ application: topology.applicationId, stores: listings }, 2)}\n` : formatListings(listings))
  }
  if (!isStoreOperation(subcommand)) throw new Error(`unknown store subcommand "${subcommand}"; expected ls, ${STORE_OPERATIONS.join(', ')}`)
  if (store === undefined) throw new Error(`${subcommand} needs a store name; sluice store <topology> ls lists them`)
  const text: StoreRequestText = { from: options.from, to: options.to }
  if (subcommand === 'prefix') text.prefix = argument
  else text.key = argument
  const onePage = options.limit !== undefined || options.cursor !== undefined
  const limit = subcommand === 'count' ? COUNT_SECTION_ENTRIES : pageLimit
  await source.read(store, subcommand, text, limit, async (readPage) => {
    if (subcommand === 'count') {
      const result = await readAllPages(readPage)
      return write(options.json ? `${toJson(result, 2)}\n` : 'count' in result ? formatCount(result) : '')
    }
    if (onePage) {
      const page = await readPage(startCursor)
      if (options.json) return write(`${toJson(page, 2)}\n`)
      const table = tableWriter(write)
      if ('rows' in page) table.page(page)
      table.end()
      if (page.next !== undefined) options.log(`more entries follow: add --cursor ${page.next}`)
      return
    }
    const writer = options.json ? jsonWriter(write) : tableWriter(write)
    let cursor: string | undefined
    do {
      const page = await readPage(cursor)
      if ('rows' in page) writer.page(page)
      cursor = page.next
    } while (cursor !== undefined)
    writer.end()
  })
}

async function sourceFor(topology: Topology, options: StoreCommandOptions): Promise<StoreSource> {
  const url = options.url ?? (await readQueryEndpoint(options.stateDir, topology.applicationId))
  if (url !== undefined) {
    if (options.url === undefined) options.log(`reading the running application at ${url}`)
    return httpSource(url, options.token)
  }
  const reader = new StoppedStateReader(topology, { stateDir: options.stateDir, backend: options.backend })
  return {
    list: () => reader.list(),
    read: async (store, op, text, limit, use) => {
      const spec = topology.storeSpec(store)
      const request = await storeRequestFromText(spec, topology.storeSerdeTopic(store), op, text)
      const maxBytes = op === 'count' ? Infinity : MAX_PAGE_BYTES
      await reader.withPages(store, request, (readPage) => use((cursor) => readPage({ cursor, limit, maxBytes })))
    },
  }
}

function httpSource(base: string, token: string | undefined): StoreSource {
  const get = async <T>(path: string, params: { [name: string]: string | undefined } = {}): Promise<T> => {
    const url = new URL(path, base.endsWith('/') ? base : `${base}/`)
    for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value)
    let response: Response
    try {
      response = await fetch(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
    } catch (error) {
      throw new Error(`cannot reach the query server at ${base}: ${error instanceof Error ? (error.cause as Error | undefined)?.message ?? error.message : String(error)}`, { cause: error })
    }
    const body = (await response.json()) as T & { error?: string }
    if (!response.ok) throw new Error(`${response.status}: ${body.error ?? response.statusText}`)
    return body
  }
  return {
    list: async () => (await get<{ stores: StoreListing[] }>('stores')).stores,
    read: (store, op, text, limit, use) =>
      use((cursor) => get<StoreResult>(`stores/${encodeURIComponent(store)}/${op}`, { ...text, ...(op === 'count' ? {} : { limit: String(limit), cursor }) })),
  }
}
