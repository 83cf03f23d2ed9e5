import { messageOf } from '../../errors.js'

/** How one webhook answer is treated. */
export type AnswerKind = 'delivered' | 'retry' | 'rate-limited' | 'refused'

/**
 * 2xx: delivered. 429: rate-limited, retried after its Retry-After. 408 and 5xx (and no
 * answer at all): the receiver is in trouble, retried with a growing pause until it answers.
 * Any other status (400, 403, 404, 410, a redirect): the receiver refuses this request; a few
 * more tries, then it is given up (dead-lettered).
 */
export function classifyAnswer(status: number): AnswerKind {
  if (status >= 200 && status < 300) return 'delivered'
  if (status === 429) return 'rate-limited'
  if (status === 408 || status >= 500) return 'retry'
  return 'refused'
}

/** Retry-After as milliseconds to wait: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs = Date.now()): number | undefined {
  if (header === null) return undefined
  const text = header.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const date = Date.parse(text)
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs)
}

export interface DeliveryPolicy {
  /** Tries of a request the receiver refuses (a 4xx other than 408 and 429) before it is given up. */
  readonly refusedAttempts: number
  /** The first pause after a failure; it doubles up to maxBackoffMs. */
  readonly initialBackoffMs: number
  readonly maxBackoffMs: number
  /** A Retry-After longer than this is cut to it (a receiver asking for an hour would hold the partition). */
  readonly maxRetryAfterMs: number
  readonly requestTimeoutMs: number
}

export type DeliveryOutcome =
  | { readonly kind: 'delivered'; readonly status: number; readonly attempts: number }
  | { readonly kind: 'refused'; readonly status: number; readonly body: string; readonly attempts: number }

export interface DeliveryHooks {
  /** Before each pause: what failed and how long the pause is. */
  onRetry(reason: string, waitMs: number, kind: 'retry' | 'rate-limited' | 'refused'): void
  /** Waits (and keeps the consumer's membership alive meanwhile); resolves false when the sink is stopping. */
  pause(ms: number): Promise<boolean>
}

/**
 * POSTs one JSON body until the receiver takes it, refuses it for good, or the sink stops
 * (undefined: not delivered, so its offset must not be committed). Network errors, timeouts,
 * 408 and 5xx are retried without limit (at least once: nothing is dropped because a receiver
 * is down); 429 waits for its Retry-After.
 */
export async function deliver(url: string, body: string, headers: { readonly [name: string]: string }, policy: DeliveryPolicy, hooks: DeliveryHooks): Promise<DeliveryOutcome | undefined> {
  let backoff = policy.initialBackoffMs
  let refusals = 0
  for (let attempts = 1; ; attempts++) {
    let status: number | undefined
    let answer = ''
    let wait: number
    let reason: string
    let kind: 'retry' | 'rate-limited' | 'refused'
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(policy.requestTimeoutMs) })
      status = response.status
      answer = await response.text().catch(() => '')
      const classified = classifyAnswer(status)
      if (classified === 'delivered') return { kind: 'delivered', status, attempts }
      if (classified === 'refused' && ++refusals >= policy.refusedAttempts) return { kind: 'refused', status, body: answer, attempts }
      kind = classified
      reason = `HTTP ${status}${answer ? ` ${answer.slice(0, 200)}` : ''}`
      wait = classified === 'rate-limited' ? Math.min(retryAfterMs(response.headers.get('retry-after')) ?? backoff, policy.maxRetryAfterMs) : backoff
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause
      kind = 'retry'
      reason = `no answer (${messageOf(cause ?? error)})`
      wait = backoff
    }
    if (kind !== 'rate-limited') backoff = Math.min(backoff * 2, policy.maxBackoffMs)
    hooks.onRetry(reason, wait, kind)
    if (!(await hooks.pause(wait))) return undefined
  }
}
