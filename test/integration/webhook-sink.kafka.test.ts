// The alert notifications on the real broker, against a local HTTP receiver that misbehaves as
// real ones do: 500s, a 429 with Retry-After, gone for a while and back, and a permanent 400 for
// one alert. Every alert is delivered at least once under its idempotency key, the receiver's
// deduplicated set is exactly the alerts, the refused one is in the dead-letter topic with the
// answer, and every offset is committed.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import { WEBHOOK_DEAD_LETTER_HEADERS, WebhookSink } from 'sluice'
import fraudAlertsNotify from '../../topologies/fraud-alerts-notify.js'
import type { FraudAlert } from '../../topologies/user-anomaly.js'
import { BROKERS, createTopic, groupLag, produce, readTopic, unique, waitFor } from './kafka-helpers.js'

interface Received {
  readonly idempotencyKey: string
  readonly body: { idempotency_key?: string; text?: string; blocks?: unknown[] }
}

/** A receiver whose answers are scripted per request: `answer` picks the status (and headers) of each. */
class Receiver {
  readonly received: Received[] = []
  private server: Server | undefined
  port = 0

  constructor(private readonly answer: (request: number, body: Received['body']) => { status: number; headers?: { [name: string]: string } }) {}

  async listen(port = 0): Promise<void> {
    const server = createServer((request, response) => void this.handle(request, response))
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
    this.server = server
    this.port = (server.address() as AddressInfo).port
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let text = ''
    for await (const chunk of request) text += String(chunk)
    const body = JSON.parse(text) as Received['body']
    const { status, headers } = this.answer(this.received.length + 1, body)
    this.received.push({ idempotencyKey: String(request.headers['idempotency-key']), body })
    response.writeHead(status, { 'content-type': 'text/plain', ...headers })
    response.end(status === 200 ? 'ok' : status === 400 ? 'invalid_blocks' : 'try later')
  }

  /** Gone: connections are refused until listen() again on the same port. */
  async close(): Promise<void> {
    const server = this.server
    this.server = undefined
    server?.closeAllConnections()
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  }

  /** The idempotency keys of the requests answered 200: what a deduplicating receiver keeps. */
  accepted(statusOf: (index: number) => number): Set<string> {
    return new Set(this.received.filter((_, index) => statusOf(index) === 200).map((entry) => entry.idempotencyKey))
  }
}

function alertOf(index: number, card: string, level: FraudAlert['level']): FraudAlert {
  return {
    trans_num: `t-${index}`,
    cc_num: card,
    unix_time: 1_700_000_000 + index,
    trans_date_trans_time: '2023-11-14 22:13:20',
    amt: 100 + index,
    merchant: `fraud_Merchant <${index}> & Sons`,
    category: 'shopping_net',
    score: 0.9,
    level,
    reasons: [{ rule: 'extreme_amount', score: 0.9, amount: 100 + index, threshold: 50, history: 3, message: `amount ${100 + index} is extreme` }],
    history: 3,
  }
}

const sinks: WebhookSink<unknown, unknown>[] = []
const receivers: Receiver[] = []
afterEach(async () => {
  for (const sink of sinks.splice(0)) await sink.stop()
  for (const receiver of receivers.splice(0)) await receiver.close()
})

describe('webhook notifications (at least once, idempotency keys, dead letters)', () => {
  test('500s, a 429 with Retry-After, the receiver down and back, a permanent 400: every alert delivered, the 400 one dead-lettered with the answer', async () => {
    const topic = unique('alerts')
    const deadLetters = `${topic}-dead-letters`
    const group = `${topic}-notify`
    await createTopic(topic, 2)
    const refusedCard = '4000000000000400'
    const alerts = Array.from({ length: 40 }, (_, index) => alertOf(index, index === 17 ? refusedCard : `40000000000000${String(index % 10).padStart(2, '0')}`, index % 3 === 0 ? 'HIGH' : 'LOW'))
    // Requests 1-3: 500; request 4: 429 (Retry-After 1 s); the refused card: 400 whenever it comes.
    const statuses: number[] = []
    const receiver = new Receiver((request, body) => {
      const status = JSON.stringify(body).includes('•••• 0400') ? 400 : request <= 3 ? 500 : request === 4 ? 429 : 200
      statuses.push(status)
      return { status, headers: status === 429 ? { 'retry-after': '1' } : undefined }
    })
    receivers.push(receiver)
    await receiver.listen()
    const sink = new WebhookSink({ ...fraudAlertsNotify, groupId: group, brokers: BROKERS, topic, url: `http://127.0.0.1:${receiver.port}/hooks/alerts`, deadLetterTopic: deadLetters, initialBackoffMs: 100, maxBackoffMs: 400, log: () => undefined })
    sinks.push(sink as WebhookSink<unknown, unknown>)
    await sink.start()
    await produce(topic, alerts.slice(0, 20).map((alert) => ({ key: alert.cc_num, value: JSON.stringify(alert) })))
    await waitFor(async () => receiver.accepted((index) => statuses[index] ?? 0).size >= 10, 60_000, 'the first alerts delivered')
    // The receiver goes away for 3 s while more alerts arrive, then comes back on the same port.
    await receiver.close()
    await produce(topic, alerts.slice(20).map((alert) => ({ key: alert.cc_num, value: JSON.stringify(alert) })))
    await new Promise((resolve) => setTimeout(resolve, 3_000))
    await receiver.listen(receiver.port)
    const expected = new Set(alerts.filter((alert) => alert.cc_num !== refusedCard).map((alert) => `alert-${alert.trans_num}`))
    await waitFor(async () => receiver.accepted((index) => statuses[index] ?? 0).size === expected.size, 90_000, 'every alert delivered')
    expect(receiver.accepted((index) => statuses[index] ?? 0)).toEqual(expected)
    // Every request carried its key in the header and in the body, the same.
    for (const entry of receiver.received) expect(entry.body.idempotency_key).toBe(entry.idempotencyKey)
    // The Slack message: masked card, escaped merchant, blocks.
    const sample = receiver.received.find((entry) => entry.idempotencyKey === 'alert-t-0')
    expect(sample?.body.text).toContain('card •••• 0000')
    expect(sample?.body.text).toContain('fraud_Merchant &lt;0&gt; &amp; Sons')
    expect(sample?.body.blocks?.length).toBeGreaterThanOrEqual(3)
    expect(statuses.filter((status) => status === 500)).toHaveLength(3)
    expect(statuses).toContain(429)

    // The refused alert: in the dead-letter topic with the status, the answer and where it came from.
    const [deadLetter, ...more] = await readTopic(deadLetters, { done: (messages) => messages.length >= 1, timeoutMs: 30_000 })
    expect(more).toHaveLength(0)
    const header = (name: string): string => String(deadLetter?.headers?.[name])
    expect(header(WEBHOOK_DEAD_LETTER_HEADERS.status)).toBe('400')
    expect(header(WEBHOOK_DEAD_LETTER_HEADERS.response)).toBe('invalid_blocks')
    // Its tries in all: the three 400s, and any made while the receiver was down.
    expect(Number(header(WEBHOOK_DEAD_LETTER_HEADERS.attempts))).toBeGreaterThanOrEqual(3)
    expect(header(WEBHOOK_DEAD_LETTER_HEADERS.idempotencyKey)).toBe('alert-t-17')
    expect(header('sluice.source.topic')).toBe(topic)
    expect(JSON.parse(String(deadLetter?.value)).trans_num).toBe('t-17')
    expect(statuses.filter((status) => status === 400)).toHaveLength(3)
    // Where every record went: delivered + dead-lettered = produced; every offset committed.
    expect(sink.delivered + sink.deadLettered).toBeGreaterThanOrEqual(alerts.length)
    expect(sink.deadLettered).toBe(1)
    await waitFor(async () => (await groupLag(group, [topic])) === 0, 30_000, 'the group to commit every offset')
    const metrics = await sink.metrics.text()
    expect(metrics).toMatch(/sluice_webhook_retries_total\{reason="rate-limited",group_id="[^"]+"\} 1/)
    expect(metrics).toMatch(/sluice_webhook_dead_lettered_total\{group_id="[^"]+"\} 1/)
  })

  test('a restart delivers what was not delivered before it (at least once), and levels not configured are skipped, not sent', async () => {
    const topic = unique('alerts-restart')
    const group = `${topic}-notify`
    await createTopic(topic, 1)
    const alerts = Array.from({ length: 12 }, (_, index) => alertOf(index, `41000000000000${String(index).padStart(2, '0')}`, index % 2 === 0 ? 'HIGH' : 'LOW'))
    // Down at first: nothing is taken, so nothing may be committed.
    const receiver = new Receiver(() => ({ status: 503 }))
    receivers.push(receiver)
    await receiver.listen()
    const url = `http://127.0.0.1:${receiver.port}/hook`
    const onlyHigh = { ...fraudAlertsNotify, groupId: group, brokers: BROKERS, topic, url, initialBackoffMs: 100, maxBackoffMs: 200, log: () => undefined }
    const message = (key: string, alert: FraudAlert) => (alert.level === 'HIGH' ? fraudAlertsNotify.message(key, alert) : null)
    const first = new WebhookSink({ ...onlyHigh, message })
    sinks.push(first as WebhookSink<unknown, unknown>)
    await first.start()
    await produce(topic, alerts.map((alert) => ({ key: alert.cc_num, value: JSON.stringify(alert) })))
    await waitFor(async () => receiver.received.length >= 3, 30_000, 'the first alert to be tried')
    await first.stop()
    expect(first.delivered).toBe(0)
    await receiver.close()

    const healthy = new Receiver(() => ({ status: 200 }))
    receivers.push(healthy)
    await healthy.listen()
    const second = new WebhookSink({ ...onlyHigh, url: `http://127.0.0.1:${healthy.port}/hook`, message })
    sinks.push(second as WebhookSink<unknown, unknown>)
    await second.start()
    const high = alerts.filter((alert) => alert.level === 'HIGH').map((alert) => `alert-${alert.trans_num}`)
    await waitFor(async () => (await groupLag(group, [topic])) === 0, 60_000, 'every offset committed')
    expect(new Set(healthy.received.map((entry) => entry.idempotencyKey))).toEqual(new Set(high))
    expect(second.delivered).toBe(high.length)
    expect(await second.metrics.text()).toMatch(new RegExp(`sluice_webhook_skipped_total\\{group_id="${group}"\\} ${alerts.length - high.length}`))
  })

  test('an empty URL disables the sink: it starts, says so and reads nothing', async () => {
    const lines: string[] = []
    const sink = new WebhookSink({ ...fraudAlertsNotify, groupId: unique('disabled'), brokers: BROKERS, url: '', log: (line) => lines.push(line) })
    await sink.start()
    expect(sink.enabled).toBe(false)
    expect(lines.join('\n')).toContain('notifications from alerts are disabled')
    await sink.stop()
    expect(() => new WebhookSink({ ...fraudAlertsNotify, url: 'ftp://example.com/x' })).toThrow('the URL must be http(s)')
  })
})
