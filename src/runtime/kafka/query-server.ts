import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { StoreOperationError } from '../../state/query/query-store.js'
import { storeSerdeTopic, storeSpecOf, StoreUnavailableError, UnknownStoreError } from '../../state/query/store-errors.js'
import { toJson } from '../../state/query/json-value.js'
import { isStoreOperation, StoreRequestError, storeRequestFromText } from '../../state/query/store-request-text.js'
import type { Topology } from '../../topology/topology.js'
import type { LocalStoreQueries } from './local-store-queries.js'

/**
 * The read-only HTTP endpoint of a running application's stores (GET only, JSON):
 *   /stores                                   stores and local tasks (sluice store ls)
 *   /stores/<store>/get?key=k
 *   /stores/<store>/range?from=k&to=k
 *   /stores/<store>/prefix?prefix=p
 *   /stores/<store>/fetch?key=k&from=t&to=t   window stores; key optional
 *   /stores/<store>/count
 * Keys and times are text, parsed as `sluice store` parses its arguments.
 */
export class QueryServer {
  private server: Server | undefined

  constructor(
    private readonly topology: Topology,
    private readonly queries: LocalStoreQueries,
  ) {}

  /** Listens and returns the base URL (port 0 picks a free port). */
  async listen(host: string, port: number): Promise<string> {
    // handle() answers its own errors; one failing even to answer drops the connection.
    const server = createServer((request, response) => void this.handle(request, response).catch(() => response.destroy()))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => resolve())
    })
    // The application's own lifecycle decides when the process ends, never an idle query server.
    server.unref()
    this.server = server
    const address = server.address() as AddressInfo
    return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
  }

  async close(): Promise<void> {
    const server = this.server
    this.server = undefined
    if (!server) return
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
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
      const spec = storeSpecOf(this.topology, name)
      const param = (key: string): string | undefined => url.searchParams.get(key) ?? undefined
      const storeRequest = await storeRequestFromText(spec, storeSerdeTopic(this.topology, name), op, { key: param('key'), from: param('from'), to: param('to'), prefix: param('prefix') })
      send(response, 200, await this.queries.query(name, storeRequest))
    } catch (error) {
      send(response, statusOf(error), { error: error instanceof Error ? error.message : String(error) })
    }
  }
}

function statusOf(error: unknown): number {
  if (error instanceof UnknownStoreError) return 404
  if (error instanceof StoreRequestError || error instanceof StoreOperationError) return 400
  if (error instanceof StoreUnavailableError) return 503
  return 500
}

function send(response: ServerResponse, status: number, body: unknown, headers: { [name: string]: string } = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
  response.end(toJson(body))
}
