import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { messageOf } from '../../errors.js'
import { QueryAccess, type QueryAccessOptions } from '../query/query-access.js'

/** Metrics that can be served: a registry's text exposition (an application's, a sink's). */
export interface MetricsExposition {
  text(): Promise<string>
  readonly contentType: string
}
import { closeSideServer, listenSideServer } from '../query/side-server.js'

/**
 * Serves metrics (an application's, and those of the sinks running beside it) in the Prometheus
 * text format at GET /metrics, with the
 * query server's access rules (loopback or configured Host names only, an optional bearer
 * token). A failing scrape answers 500; it never reaches the application.
 */
export class MetricsServer {
  private server: Server | undefined

  constructor(
    private readonly sources: readonly MetricsExposition[],
    private readonly options: Omit<QueryAccessOptions, 'listenHost'> & { log: (message: string) => void },
  ) {}

  /** Listens and returns the base URL (port 0 picks a free port). */
  async listen(host: string, port: number): Promise<string> {
    const access = new QueryAccess({ ...this.options, listenHost: host })
    const server = createServer((request, response) => {
      this.handle(access, request, response).catch((error: unknown) => {
        this.options.log(`metrics request failed: ${messageOf(error)}`)
        if (!response.headersSent) answer(response, 500, `metrics failed: ${messageOf(error)}\n`)
        else response.destroy()
      })
    })
    this.server = server
    return listenSideServer(server, host, port)
  }

  async close(): Promise<void> {
    const server = this.server
    this.server = undefined
    await closeSideServer(server)
  }

  private async handle(access: QueryAccess, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const refusal = access.check(request)
    if (refusal) return answer(response, refusal.status, `${refusal.error}\n`, refusal.headers)
    if (request.method !== 'GET') return answer(response, 405, 'GET only\n', { allow: 'GET' })
    const path = new URL(request.url ?? '/', 'http://localhost').pathname
    if (path !== '/metrics') return answer(response, 404, 'metrics are at /metrics\n')
    // Each source has metric names of its own: their expositions put together are one exposition.
    const texts = await Promise.all(this.sources.map((source) => source.text()))
    answer(response, 200, texts.join(''), { 'content-type': this.sources[0]?.contentType ?? 'text/plain; version=0.0.4; charset=utf-8' })
  }
}

function answer(response: ServerResponse, status: number, body: string, headers: { [name: string]: string } = {}): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers })
  response.end(body)
}
