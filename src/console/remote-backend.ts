import type { ServerResponse } from 'node:http'
import { sendJson } from '../runtime/query/store-request-handler.js'
import type { ConsoleBackend } from './console-backend.js'

/** How long a forwarded request may take before the page hears that the application did not answer. */
const FORWARD_TIMEOUT_MS = 10_000

/**
 * The console's data from an application running elsewhere (`sluice console --url`): each GET
 * is forwarded to that application's console port, with its token, and answered as it answers.
 */
export class RemoteBackend implements ConsoleBackend {
  private readonly base: URL

  constructor(
    url: string,
    private readonly token: string | undefined,
  ) {
    this.base = new URL(url)
  }

  async answer(url: URL, response: ServerResponse): Promise<void> {
    const target = new URL(`${url.pathname}${url.search}`, this.base)
    let answer: Response
    try {
      answer = await fetch(target, { headers: this.token ? { authorization: `Bearer ${this.token}` } : {}, signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS), redirect: 'error' })
    } catch (error) {
      return sendJson(response, 502, { error: `the application at ${this.base.origin} did not answer ${url.pathname}: ${error instanceof Error ? error.message : String(error)}` })
    }
    const body = Buffer.from(await answer.arrayBuffer())
    response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/octet-stream' })
    response.end(body)
  }

  async close(): Promise<void> {}
}
