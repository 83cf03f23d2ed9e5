import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { messageOf } from '../../errors.js'
import { StoreOperationError } from '../../state/query/query-store.js'
import { StoreUnavailableError, UnknownStoreError } from '../../state/query/store-errors.js'
import { toJson } from '../../state/query/json-value.js'
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_BYTES, MAX_PAGE_LIMIT } from '../../state/query/store-pages.js'
import { isStoreOperation, StoreRequestError, storeRequestFromText } from '../../state/query/store-request-text.js'
import type { Topology } from '../../topology/topology.js'
import type { LocalStoreQueries } from './local-store-queries.js'
import { QueryAccess, type QueryAccessOptions } from './query-access.js'
import { closeSideServer, listenSideServer } from './side-server.js'

export interface QueryServerOptions extends Omit<QueryAccessOptions, 'listenHost'> {
  /** Where handler failures are reported (the answer says 500). */
  log: (message: string) => void
}

/**
 * The read-only HTTP endpoint of a running application's stores (GET only, JSON):
 *   /stores                                   stores and local tasks (sluice store ls)
 *   /stores/<store>/get?key=k
 *   /stores/<store>/range?from=k&to=k
 *   /stores/<store>/prefix?prefix=p
 *   /stores/<store>/fetch?key=k&from=t&to=t   window and session stores; key optional
 *   /stores/<store>/count
 * Keys and times are text, parsed as `sluice store` parses its arguments. Rows come in pages:
 * `limit` entries (default 1000, at most 10 000) and at most 4 MiB of JSON per answer; an answer
 * that stops early carries `next`, to pass as `cursor` for the following page.
 *
 * No request can take the application down: whatever a handler throws is answered (500 unless
 * it says otherwise), or, once the headers are out, ends the connection.
 */
export class QueryServer {
  private server: Server | undefined
  private access: QueryAccess | undefined

  constructor(
    private readonly topology: Topology,
    private readonly queries: LocalStoreQueries,
    private readonly options: QueryServerOptions,
  ) {}

  /** Listens and returns the base URL (port 0 picks a free port). */
  async listen(host: string, port: number): Promise<string> {
    this.access = new QueryAccess({ ...this.options, listenHost: host })
    const server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => this.answerFailure(response, error))
    })
    this.server = server
    return listenSideServer(server, host, port)
  }

  async close(): Promise<void> {
    const server = this.server
    this.server = undefined
    await closeSideServer(server)
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const refusal = this.access?.check(request)
    if (refusal) return send(response, refusal.status, { error: refusal.error }, refusal.headers)
    if (request.method !== 'GET') return send(response, 405, { error: 'read-only endpoint: GET only' }, { allow: 'GET' })
    const url = new URL(request.url ?? '/', 'http://localhost')
    let parts: string[]
    try {
      parts = url.pathname.split('/').filter((part) => part !== '').map(decodeURIComponent)
    } catch {
      return send(response, 400, { error: `malformed escape in ${url.pathname}` })
    }
    if (parts.length === 1 && parts[0] === 'stores') return send(response, 200, { application: this.topology.applicationId, stores: await this.queries.list() })
    if (parts.length !== 3 || parts[0] !== 'stores' || !isStoreOperation(parts[2])) {
      return send(response, 404, { error: `no such endpoint ${url.pathname}; try /stores or /stores/<store>/get|range|prefix|fetch|count` })
    }
    const [, name, op] = parts
    const spec = this.topology.storeSpec(name)
    const param = (key: string): string | undefined => url.searchParams.get(key) ?? undefined
    const storeRequest = await storeRequestFromText(spec, this.topology.storeSerdeTopic(name), op, { key: param('key'), from: param('from'), to: param('to'), prefix: param('prefix') })
    // A count is one number: counted whole here, in sections under the lock.
    if (storeRequest.op === 'count') return send(response, 200, await this.queries.query(name, storeRequest))
    const page = { cursor: param('cursor'), limit: limitOf(param('limit')), maxBytes: MAX_PAGE_BYTES }
    send(response, 200, await this.queries.queryPage(name, storeRequest, page))
  }

  /** Answers a failed request with its status, or cuts the connection when the answer had begun. */
  private answerFailure(response: ServerResponse, error: unknown): void {
    try {
      const status = statusOf(error)
      if (status === 500) this.options.log(`store query failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
      if (response.headersSent) response.destroy()
      else send(response, status, { error: messageOf(error) })
    } catch {
      // Not even the error could be answered (or logged): never let it reach the process.
      response.destroy()
    }
  }
}

function limitOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PAGE_LIMIT
  const limit = Number(text)
  if (!Number.isSafeInteger(limit) || limit < 1) throw new StoreRequestError(`limit must be a whole number of 1 or more, got ${JSON.stringify(text)}`)
  return Math.min(limit, MAX_PAGE_LIMIT)
}

function statusOf(error: unknown): number {
  if (error instanceof UnknownStoreError) return 404
  if (error instanceof StoreRequestError || error instanceof StoreOperationError) return 400
  if (error instanceof StoreUnavailableError) return 503
  return 500
}

/** Encodes first, so that a body that cannot be encoded fails before any header is sent. */
function send(response: ServerResponse, status: number, body: unknown, headers: { [name: string]: string } = {}): void {
  const text = toJson(body)
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
  response.end(text)
}
