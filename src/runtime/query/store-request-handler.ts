import type { ServerResponse } from 'node:http'
import { messageOf } from '../../errors.js'
import { StoreOperationError } from '../../state/query/query-store.js'
import { StoreUnavailableError, UnknownStoreError } from '../../state/query/store-errors.js'
import { toJson } from '../../state/query/json-value.js'
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_BYTES, MAX_PAGE_LIMIT } from '../../state/query/store-pages.js'
import { isStoreOperation, StoreRequestError, storeRequestFromText } from '../../state/query/store-request-text.js'
import type { Topology } from '../../topology/topology.js'
import type { LocalStoreQueries } from './local-store-queries.js'

/**
 * Answers GET requests for a running application's stores (JSON), for the query server and the
 * console alike:
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
 * Whatever a request makes a handler throw is answered (500 unless it says otherwise), or, once
 * the headers are out, ends the connection: no request can take the application down.
 */
export class StoreRequestHandler {
  constructor(
    private readonly topology: Topology,
    private readonly queries: LocalStoreQueries,
    private readonly log: (message: string) => void,
  ) {}

  /** Answers a request whose access and method were checked already. */
  async answer(url: URL, response: ServerResponse): Promise<void> {
    try {
      await this.route(url, response)
    } catch (error) {
      this.answerFailure(response, error)
    }
  }

  private async route(url: URL, response: ServerResponse): Promise<void> {
    let parts: string[]
    try {
      parts = url.pathname.split('/').filter((part) => part !== '').map(decodeURIComponent)
    } catch {
      return sendJson(response, 400, { error: `malformed escape in ${url.pathname}` })
    }
    if (parts.length === 1 && parts[0] === 'stores') return sendJson(response, 200, { application: this.topology.applicationId, stores: await this.queries.list() })
    if (parts.length !== 3 || parts[0] !== 'stores' || !isStoreOperation(parts[2])) {
      return sendJson(response, 404, { error: `no such endpoint ${url.pathname}; try /stores or /stores/<store>/get|range|prefix|fetch|count` })
    }
    const [, name, op] = parts
    const spec = this.topology.storeSpec(name)
    const param = (key: string): string | undefined => url.searchParams.get(key) ?? undefined
    const storeRequest = await storeRequestFromText(spec, this.topology.storeSerdeTopic(name), op, { key: param('key'), from: param('from'), to: param('to'), prefix: param('prefix') })
    // A count is one number: counted whole here, in sections under the lock.
    if (storeRequest.op === 'count') return sendJson(response, 200, await this.queries.query(name, storeRequest))
    const page = { cursor: param('cursor'), limit: limitOf(param('limit')), maxBytes: MAX_PAGE_BYTES }
    sendJson(response, 200, await this.queries.queryPage(name, storeRequest, page))
  }

  /** Answers a failed request with its status, or cuts the connection when the answer had begun. */
  private answerFailure(response: ServerResponse, error: unknown): void {
    try {
      const status = statusOf(error)
      if (status === 500) this.log(`store query failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
      if (response.headersSent) response.destroy()
      else sendJson(response, status, { error: messageOf(error) })
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
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: { [name: string]: string } = {}): void {
  const text = toJson(body)
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
  response.end(text)
}
