import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Topology } from '../../topology/topology.js'
import type { LocalStoreQueries } from './local-store-queries.js'
import { QueryAccess, type QueryAccessOptions } from './query-access.js'
import { closeSideServer, listenSideServer } from './side-server.js'
import { sendJson, StoreRequestHandler } from './store-request-handler.js'

export interface QueryServerOptions extends Omit<QueryAccessOptions, 'listenHost'> {
  /** Where handler failures are reported (the answer says 500). */
  log: (message: string) => void
}

/**
 * The read-only HTTP endpoint of a running application's stores (GET only, JSON): the paths
 * StoreRequestHandler answers, behind the access rules (loopback or allowed Host names, an
 * optional bearer token).
 */
export class QueryServer {
  private server: Server | undefined
  private access: QueryAccess | undefined
  private readonly stores: StoreRequestHandler

  constructor(
    topology: Topology,
    queries: LocalStoreQueries,
    private readonly options: QueryServerOptions,
  ) {
    this.stores = new StoreRequestHandler(topology, queries, options.log)
  }

  /** Listens and returns the base URL (port 0 picks a free port). */
  async listen(host: string, port: number): Promise<string> {
    this.access = new QueryAccess({ ...this.options, listenHost: host })
    const server = createServer((request, response) => this.handle(request, response))
    this.server = server
    return listenSideServer(server, host, port)
  }

  async close(): Promise<void> {
    const server = this.server
    this.server = undefined
    await closeSideServer(server)
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    try {
      const refusal = this.access?.check(request)
      if (refusal) return sendJson(response, refusal.status, { error: refusal.error }, refusal.headers)
      if (request.method !== 'GET') return sendJson(response, 405, { error: 'read-only endpoint: GET only' }, { allow: 'GET' })
      void this.stores.answer(new URL(request.url ?? '/', 'http://localhost'), response)
    } catch {
      response.destroy()
    }
  }
}
