import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import { classifyAnswer, deliver, retryAfterMs, type DeliveryPolicy } from '../../../src/sinks/webhook/webhook-delivery.js'

const POLICY: DeliveryPolicy = { refusedAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 40, maxRetryAfterMs: 1500, requestTimeoutMs: 2000 }

let server: Server | undefined
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  server = undefined
})

/** A receiver answering with the statuses given, in turn (the last one again after that). */
async function receiver(answers: readonly { status: number; retryAfter?: string }[]): Promise<{ url: string; requests: () => number }> {
  let count = 0
  server = createServer((request, response) => {
    request.resume()
    const answer = answers[Math.min(count++, answers.length - 1)] ?? { status: 200 }
    response.writeHead(answer.status, answer.retryAfter ? { 'retry-after': answer.retryAfter } : {})
    response.end(`answer ${answer.status}`)
  })
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, requests: () => count }
}

function hooks() {
  const waits: { kind: string; ms: number }[] = []
  return { waits, onRetry: (_reason: string, ms: number, kind: string) => void waits.push({ kind, ms }), pause: () => Promise.resolve(true) }
}

describe('webhook delivery', () => {
  test('answers are told apart by status: 2xx delivered, 429 rate-limited, 408 and 5xx retried, other 4xx refused', () => {
    expect([200, 201, 204].map(classifyAnswer)).toEqual(['delivered', 'delivered', 'delivered'])
    expect(classifyAnswer(429)).toBe('rate-limited')
    expect([408, 500, 502, 503].map(classifyAnswer)).toEqual(['retry', 'retry', 'retry', 'retry'])
    expect([301, 400, 403, 404, 410].map(classifyAnswer)).toEqual(['refused', 'refused', 'refused', 'refused', 'refused'])
  })

  test('Retry-After is read as seconds or an HTTP date; garbage is ignored', () => {
    expect(retryAfterMs('7')).toBe(7000)
    expect(retryAfterMs(new Date(10_000 + 3000).toUTCString(), 10_000)).toBe(3000)
    expect(retryAfterMs('soon')).toBeUndefined()
    expect(retryAfterMs(null)).toBeUndefined()
  })

  test('5xx then 429 (its Retry-After honoured, capped) then 200: delivered on the 4th try, the backoff doubling up to its maximum', async () => {
    const { url } = await receiver([{ status: 500 }, { status: 503 }, { status: 429, retryAfter: '60' }, { status: 200 }])
    const recorded = hooks()
    const outcome = await deliver(url, '{}', {}, POLICY, recorded)
    expect(outcome).toEqual({ kind: 'delivered', status: 200, attempts: 4 })
    expect(recorded.waits).toEqual([{ kind: 'retry', ms: 10 }, { kind: 'retry', ms: 20 }, { kind: 'rate-limited', ms: 1500 }])
  })

  test('a refusing receiver: given up after refusedAttempts, with its answer', async () => {
    const { url, requests } = await receiver([{ status: 400 }])
    const outcome = await deliver(url, '{}', {}, POLICY, hooks())
    expect(outcome).toEqual({ kind: 'refused', status: 400, body: 'answer 400', attempts: 3 })
    expect(requests()).toBe(3)
  })

  test('no receiver at all: retried until the sink stops, then undefined (not delivered, not to be committed)', async () => {
    let pauses = 0
    const outcome = await deliver('http://127.0.0.1:1/', '{}', {}, POLICY, { onRetry: () => undefined, pause: () => Promise.resolve(++pauses < 5) })
    expect(outcome).toBeUndefined()
    expect(pauses).toBe(5)
  })
})
