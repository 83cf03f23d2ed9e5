import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { messageOf } from '../errors.js'
import { bearerToken, QueryAccess, type QueryAccessOptions } from '../runtime/query/query-access.js'
import { closeSideServer, listenSideServer } from '../runtime/query/side-server.js'
import { sendJson } from '../runtime/query/store-request-handler.js'
import type { ConsoleBackend } from './console-backend.js'
import { isAssetPath, loadConsoleAssets, type Asset, type AssetPath } from './console-assets.js'

export interface ConsoleServerOptions extends Omit<QueryAccessOptions, 'listenHost'> {
  log: (message: string) => void
}

/** The cookie the page's requests carry the token in, once it was given as `?token=`. */
const TOKEN_COOKIE = 'sluice_console_token'

/** Only the package's own files run in the page; nothing from elsewhere, no inline script. */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
}

/**
 * The web console: a read-only page served by Sluice itself, and the data behind it from a
 * backend (this process's application, or one elsewhere). It answers only to loopback or
 * allowed Host names, as the query server; with a token, a request carries it as a bearer
 * token or in the cookie that opening `/?token=<token>` sets.
 */
export class ConsoleServer {
  private server: Server | undefined
  private assets: ReadonlyMap<AssetPath, Asset> | undefined

  constructor(
    private readonly backend: ConsoleBackend,
    private readonly options: ConsoleServerOptions,
  ) {}

  /** Listens and returns the console's URL (port 0 picks a free port). */
  async listen(host: string, port: number): Promise<string> {
    this.assets = await loadConsoleAssets()
    const access = new QueryAccess({ ...this.options, listenHost: host })
    const server = createServer((request, response) => {
      this.handle(access, request, response).catch((error: unknown) => {
        this.options.log(`console request failed: ${messageOf(error)}`)
        if (!response.headersSent) sendJson(response, 500, { error: messageOf(error) })
        else response.destroy()
      })
    })
    this.server = server
    return `${await listenSideServer(server, host, port)}/`
  }

  async close(): Promise<void> {
    const server = this.server
    this.server = undefined
    await closeSideServer(server)
    await this.backend.close()
  }

  private async handle(access: QueryAccess, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost')
    const offered = url.pathname === '/' ? url.searchParams.get('token') : null
    if (offered !== null && access.tokenMatches(offered)) {
      // The token leaves the address bar (and the history) at once; the cookie carries it on.
      response.writeHead(303, { location: '/', 'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(offered)}; HttpOnly; SameSite=Strict; Path=/` })
      response.end()
      return
    }
    const refusal = access.check(request, (incoming) => bearerToken(incoming) ?? cookieToken(incoming))
    if (refusal) {
      if (isAssetPath(url.pathname) && refusal.status === 401) return page(response, 401, 'This console needs its token: open it as /?token=<token>.')
      return sendJson(response, refusal.status, { error: refusal.error }, refusal.headers)
    }
    if (request.method !== 'GET') return sendJson(response, 405, { error: 'the console is read-only: GET only' }, { allow: 'GET' })
    const path = url.pathname === '/index.html' ? '/' : url.pathname
    const asset = isAssetPath(path) ? this.assets?.get(path) : undefined
    if (asset) {
      response.writeHead(200, { 'content-type': asset.type, ...PAGE_HEADERS })
      response.end(asset.body)
      return
    }
    if (path.startsWith('/api/') || path === '/stores' || path.startsWith('/stores/') || path === '/metrics') return this.backend.answer(url, response)
    sendJson(response, 404, { error: `no such page ${url.pathname}` })
  }
}

function cookieToken(request: IncomingMessage): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=')
    if (name === TOKEN_COOKIE) {
      try {
        return decodeURIComponent(value.join('='))
      } catch {
        return undefined
      }
    }
  }
  return undefined
}

function page(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...PAGE_HEADERS })
  response.end(`${text}\n`)
}
