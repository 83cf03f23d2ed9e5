import { readQueryEndpoint } from '../runtime/kafka/query-endpoint-file.js'
import { StoppedStateReader } from '../runtime/kafka/stopped-state-reader.js'
import type { BackendKind } from '../state/backend.js'
import { toJson } from '../state/query/json-value.js'
import { storeSerdeTopic, storeSpecOf } from '../state/query/store-errors.js'
import type { StoreListing, StoreResult } from '../state/query/store-request.js'
import { isStoreOperation, STORE_OPERATIONS, storeRequestFromText, type StoreOperation, type StoreRequestText } from '../state/query/store-request-text.js'
import type { Topology } from '../topology/topology.js'
import { formatListings, formatResult } from './store-output.js'

export interface StoreCommandOptions {
  stateDir: string
  backend: BackendKind
  /** A running application's query server; found from its state directory when absent. */
  url?: string
  json?: boolean
  from?: string
  to?: string
  log: (message: string) => void
}

/** Where `sluice store` reads: a running application over HTTP, or a stopped one's local files. */
interface StoreSource {
  list(): Promise<StoreListing[]>
  query(store: string, op: StoreOperation, text: StoreRequestText): Promise<StoreResult>
}

/**
 * `sluice store <topology> ls | get <store> <key> | range <store> [--from k] [--to k] |
 * prefix <store> <prefix> | fetch <store> [key] [--from t] [--to t] | count <store>`.
 * Prints a table, or JSON with --json (the same JSON for a running and a stopped application).
 */
export async function storeCommand(topology: Topology, args: readonly string[], options: StoreCommandOptions): Promise<string> {
  const [subcommand, store, argument] = args
  if (subcommand === undefined) throw new Error(`store needs a subcommand: ls, ${STORE_OPERATIONS.join(', ')}`)
  const source = await sourceFor(topology, options)
  if (subcommand === 'ls') {
    const listings = await source.list()
    return options.json ? `${toJson({ application: topology.applicationId, stores: listings }, 2)}\n` : formatListings(listings)
  }
  if (!isStoreOperation(subcommand)) throw new Error(`unknown store subcommand "${subcommand}"; expected ls, ${STORE_OPERATIONS.join(', ')}`)
  if (store === undefined) throw new Error(`${subcommand} needs a store name; sluice store <topology> ls lists them`)
  const text: StoreRequestText = { from: options.from, to: options.to }
  if (subcommand === 'prefix') text.prefix = argument
  else text.key = argument
  // Both sources give the same JSON: bigints and bytes are encoded the same way.
  const result = JSON.parse(toJson(await source.query(store, subcommand, text))) as StoreResult
  return options.json ? `${JSON.stringify(result, null, 2)}\n` : formatResult(result)
}

async function sourceFor(topology: Topology, options: StoreCommandOptions): Promise<StoreSource> {
  const url = options.url ?? (await readQueryEndpoint(options.stateDir, topology.applicationId))
  if (url !== undefined) {
    if (options.url === undefined) options.log(`reading the running application at ${url}`)
    return httpSource(url)
  }
  const reader = new StoppedStateReader(topology, { stateDir: options.stateDir, backend: options.backend })
  return {
    list: () => reader.list(),
    query: async (store, op, text) => {
      const spec = storeSpecOf(topology, store)
      return reader.query(store, await storeRequestFromText(spec, storeSerdeTopic(topology, store), op, text))
    },
  }
}

function httpSource(base: string): StoreSource {
  const get = async <T>(path: string, params: StoreRequestText = {}): Promise<T> => {
    const url = new URL(path, base.endsWith('/') ? base : `${base}/`)
    for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value)
    let response: Response
    try {
      response = await fetch(url)
    } catch (error) {
      throw new Error(`cannot reach the query server at ${base}: ${error instanceof Error ? (error.cause as Error | undefined)?.message ?? error.message : String(error)}`, { cause: error })
    }
    const body = (await response.json()) as T & { error?: string }
    if (!response.ok) throw new Error(`${response.status}: ${body.error ?? response.statusText}`)
    return body
  }
  return {
    list: async () => (await get<{ stores: StoreListing[] }>('stores')).stores,
    query: (store, op, text) => get<StoreResult>(`stores/${encodeURIComponent(store)}/${op}`, text),
  }
}
