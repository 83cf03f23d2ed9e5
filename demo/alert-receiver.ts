import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A local stand-in for a Slack incoming webhook: prints each alert's text once (by its
 * idempotency key, as a receiver that drops repeats does) and answers 200.
 */
export class AlertReceiver {
  private server: Server | undefined
  private readonly keys = new Set<string>()
  requests = 0

  constructor(private readonly print: (line: string) => void) {}

  /** Listens on 127.0.0.1 and returns the webhook URL. */
  async start(): Promise<string> {
    const server = createServer((request, response) => {
      let body = ''
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
      request.on('end', () => {
        this.requests++
        const key = String(request.headers['idempotency-key'] ?? '')
        if (!this.keys.has(key)) {
          this.keys.add(key)
          const text = (JSON.parse(body) as { text?: string }).text ?? body
          this.print(`[webhook] ${text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')}`)
        }
        response.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    this.server = server
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack`
  }

  /** Distinct alerts received. */
  get received(): number {
    return this.keys.size
  }

  async stop(): Promise<void> {
    const server = this.server
    this.server = undefined
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  }
}
