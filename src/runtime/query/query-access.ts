import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** Host names a loopback query server answers to, whatever its port. */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]']
/** Listen addresses that are no name a client would use in `Host`. */
const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::', '[::]'])

export interface QueryAccessOptions {
  /** Host names (or addresses) besides the loopback ones that requests may name in `Host`. */
  allowedHosts?: readonly string[]
  /** The address the server listens on: allowed in `Host` too, unless a wildcard. */
  listenHost?: string
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string
}

/** Why a request is refused, as an HTTP answer. */
export interface Refusal {
  readonly status: 401 | 403
  readonly error: string
  readonly headers?: { [name: string]: string }
}

/**
 * Who may read a running application's stores. A page in a browser can make a request to
 * 127.0.0.1 through a name of its own that resolves there (DNS rebinding): its `Host` header
 * then carries that name, so only loopback names and configured ones pass. A bearer token,
 * when configured, is compared in constant time.
 */
export class QueryAccess {
  private readonly hosts: Set<string>
  private readonly tokenDigest: Buffer | undefined

  constructor(options: QueryAccessOptions) {
    const configured = [...(options.allowedHosts ?? [])]
    if (options.listenHost !== undefined && !WILDCARD_ADDRESSES.has(options.listenHost)) configured.push(options.listenHost)
    this.hosts = new Set([...LOOPBACK_HOSTS, ...configured.map(bracketIPv6)].map((host) => host.toLowerCase()))
    this.tokenDigest = options.token === undefined || options.token === '' ? undefined : digest(options.token)
  }

  /** Whether `candidate` is the configured token (false when none is configured), in constant time. */
  tokenMatches(candidate: string): boolean {
    // Digests have equal lengths, so the comparison takes the same time whatever was sent.
    return this.tokenDigest !== undefined && timingSafeEqual(digest(candidate), this.tokenDigest)
  }

  /**
   * The refusal for a request, or undefined when it may go on. The token is the bearer one
   * unless `tokenOf` finds it elsewhere (the console's page also takes it from a cookie).
   */
  check(request: IncomingMessage, tokenOf: (request: IncomingMessage) => string | undefined = bearerToken): Refusal | undefined {
    const host = hostName(request.headers.host)
    if (host === undefined || !this.hosts.has(host)) {
      return { status: 403, error: `Host ${JSON.stringify(request.headers.host ?? '')} is not one this query server answers to (loopback names, or the allowed hosts configured with queryAllowedHosts)` }
    }
    if (this.tokenDigest === undefined) return undefined
    const token = tokenOf(request)
    if (token === undefined || !this.tokenMatches(token)) {
      return { status: 401, error: 'this query server needs a token: Authorization: Bearer <token> (sluice store --query-token or SLUICE_QUERY_TOKEN)', headers: { 'www-authenticate': 'Bearer' } }
    }
    return undefined
  }
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(request: IncomingMessage): string | undefined {
  const match = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')
  return match ? match[1].trim() : undefined
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

function bracketIPv6(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}

/** The name in a `Host` header without its port, lower-cased; undefined when malformed. */
function hostName(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::\d{1,5})?$/.exec(header.trim())
  return match ? match[1].toLowerCase() : undefined
}
