import { requireKafkajsCorrections } from '../../runtime/kafka/kafkajs/kafkajs-corrections.js' // first: corrects kafkajs before it loads
import { Partitioners, type EachBatchPayload, type Kafka, type KafkaMessage, type Producer } from 'sluice-kafkajs'
import { messageOf } from '../../errors.js'
import { DEAD_LETTER_HEADERS } from '../../runtime/dead-letter.js'
import { worthAnotherStartAttempt } from '../../runtime/kafka/fault-classification.js'
import type { GroupSession } from '../../runtime/kafka/group-session.js'
import { retryRetriable } from '../../runtime/kafka/retry-retriable.js'
import type { KafkaClient } from '../../runtime/kafka/client/kafka-client.js'
import { KafkajsClient } from '../../runtime/kafka/kafkajs/kafkajs-client.js'
import { MetricsServer } from '../../runtime/metrics/metrics-server.js'
import { SinkLifecycle } from '../sink-lifecycle.js'
import { SinkGroup } from '../sink-group.js'
import { waitForTopics } from '../topic-wait.js'
import { deliver, type DeliveryPolicy } from './webhook-delivery.js'
import { WebhookMetrics } from './webhook-metrics.js'
import type { WebhookRecordPosition, WebhookSinkConfig } from './webhook-sink-config.js'

/** Headers a webhook dead letter adds to the runtime's (error, source topic / partition / offset). */
export const WEBHOOK_DEAD_LETTER_HEADERS = {
  status: 'sluice.webhook.status',
  response: 'sluice.webhook.response',
  attempts: 'sluice.webhook.attempts',
  idempotencyKey: 'sluice.webhook.idempotency-key',
} as const

/** How much of a refusing answer is kept in the dead letter's header. */
const RESPONSE_HEADER_MAX = 2000
const STARTUP_TIMEOUT_MS = 300_000

/**
 * Delivers a topic's records to a webhook at least once: each record is POSTed, in offset order
 * per partition, until the receiver takes it, and only then is its offset committed. Network
 * errors, timeouts and 5xx are retried with a growing pause for as long as it takes; a 429
 * waits for its Retry-After; a request the receiver refuses for good (another 4xx, after a few
 * tries) goes to the dead-letter topic with the answer, as does a record that cannot be read.
 * It reads committed records only and runs in its own consumer group, so a slow or dead
 * webhook holds back nothing but this sink.
 */
export class WebhookSink<K, V> {
  private readonly client: KafkaClient
  private readonly kafka: Kafka
  private readonly deadLetterTopic: string
  private readonly policy: DeliveryPolicy
  private readonly log: (message: string) => void
  /** The sink's membership of its group, joined again after the consumer stopped on an error. */
  private readonly group: SinkGroup
  private producer: Producer | undefined
  private readonly lifecycle: SinkLifecycle
  private metricsServer: MetricsServer | undefined
  /** The metrics endpoint's URL (…/metrics) while it runs (config.metricsPort set). */
  metricsUrl: string | undefined
  readonly metrics: WebhookMetrics
  delivered = 0
  deadLettered = 0

  constructor(readonly config: WebhookSinkConfig<K, V>) {
    const client = new KafkajsClient({ clientId: `${config.groupId}-webhook`, brokers: config.brokers })
    this.client = client
    this.kafka = client.kafkajs
    this.deadLetterTopic = config.deadLetterTopic ?? `${config.groupId}-dead-letters`
    this.log = config.log ?? ((message) => process.stderr.write(`[sluice webhook ${config.groupId}] ${message}\n`))
    this.lifecycle = new SinkLifecycle(this.log, () => [
      ['consumer', () => this.group.leave()],
      ['dead-letter producer', this.producer && (() => (this.producer as Producer).disconnect())],
      ['metrics server', this.metricsServer && (() => (this.metricsServer as MetricsServer).close())],
    ])
    this.policy = {
      refusedAttempts: config.refusedAttempts ?? 3,
      initialBackoffMs: config.initialBackoffMs ?? 500,
      maxBackoffMs: config.maxBackoffMs ?? 30_000,
      maxRetryAfterMs: config.maxRetryAfterMs ?? 300_000,
      requestTimeoutMs: config.requestTimeoutMs ?? 10_000,
    }
    for (const [name, value] of Object.entries(this.policy)) {
      if (!Number.isInteger(value) || value < (name === 'refusedAttempts' ? 1 : 0)) throw new Error(`webhook sink ${config.groupId}: ${name} must be a whole number${name === 'refusedAttempts' ? ' of 1 or more' : ''}, got ${String(value)}`)
    }
    if (this.enabled) {
      let url: URL
      try {
        url = new URL(config.url as string)
      } catch {
        throw new Error(`webhook sink ${config.groupId}: "${config.url}" is not a URL`)
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`webhook sink ${config.groupId}: the URL must be http(s), got ${url.protocol}`)
    }
    this.metrics = new WebhookMetrics(config.groupId)
    this.group = new SinkGroup(this.kafka, config.groupId, [config.topic], { onBatch: (payload, session) => this.onBatch(payload, session) }, { stopping: () => this.lifecycle.stopping, log: this.log })
  }

  /** An empty URL disables the sink. */
  get enabled(): boolean {
    return (this.config.url ?? '').trim() !== ''
  }

  async start(): Promise<void> {
    if (!this.enabled) {
      this.log(`no webhook URL: notifications from ${this.config.topic} are disabled`)
      return
    }
    requireKafkajsCorrections('the webhook sink (it reads committed records only)')
    if (this.config.metricsPort !== undefined) {
      this.metricsServer = new MetricsServer([this.metrics], { log: this.log })
      this.metricsUrl = `${await this.metricsServer.listen('127.0.0.1', this.config.metricsPort)}/metrics`
      this.log(`metrics at ${this.metricsUrl}`)
    }
    const topics = [this.config.topic]
    await retryRetriable(`connecting to ${this.config.brokers.join(',')}`, () => waitForTopics(this.client, topics, { deadLetterTopic: this.deadLetterTopic, stopping: () => this.lifecycle.stopping, log: this.log }), this.log, STARTUP_TIMEOUT_MS, worthAnotherStartAttempt)
    if (this.lifecycle.stopping) return
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner })
    await this.producer.connect()
    await retryRetriable('joining the group', () => this.group.join(), this.log, STARTUP_TIMEOUT_MS, worthAnotherStartAttempt)
    this.log(`delivering ${this.config.topic} to ${new URL(this.config.url as string).origin} (dead letters: ${this.deadLetterTopic})`)
  }


  private async onBatch(payload: EachBatchPayload, session: GroupSession): Promise<void> {
    try {
      for (const message of payload.batch.messages) {
        if (!payload.isRunning() || payload.isStale() || this.lifecycle.stopping) return
        const handled = await this.handle(message, payload)
        if (!handled) return
        payload.resolveOffset(message.offset)
        await session.commitOffsets([{ topic: payload.batch.topic, partition: payload.batch.partition, offset: (BigInt(message.offset) + 1n).toString() }])
      }
    } catch (error) {
      // The group's trouble (a rebalance, a broker gone) is kafkajs's: the uncommitted record comes again.
      if (error instanceof Error && error.name.startsWith('KafkaJS')) throw error
      this.fail(error instanceof Error ? error : new Error(String(error)))
    }
  }

  /** Delivers or dead-letters one record; false when the sink stops (or loses the partition) before it is done. */
  private async handle(message: KafkaMessage, { batch, heartbeat, isStale }: EachBatchPayload): Promise<boolean> {
    const position: WebhookRecordPosition = { topic: batch.topic, partition: batch.partition, offset: message.offset }
    let key: K
    let value: V
    let body: { readonly [field: string]: unknown } | null
    try {
      key = this.config.key.deserialize(batch.topic, message.key)
      value = this.config.value.deserialize(batch.topic, message.value)
      // A tombstone is no notification.
      body = value === null || value === undefined ? null : this.config.message(key, value)
    } catch (error) {
      await this.sendDeadLetter(message, position, { [DEAD_LETTER_HEADERS.error]: `cannot make a webhook message of the record: ${messageOf(error)}` })
      return true
    }
    if (body === null) {
      this.metrics.skippedOne()
      return true
    }
    const idempotencyKey = this.config.idempotencyKey?.(key, value, position) ?? `${position.topic}-${position.partition}-${position.offset}`
    const started = performance.now()
    const outcome = await deliver(this.config.url as string, JSON.stringify({ ...body, idempotency_key: idempotencyKey }), { ...this.config.headers, 'idempotency-key': idempotencyKey }, this.policy, {
      onRetry: (reason, waitMs, kind) => {
        this.metrics.retried(kind)
        this.log(`${position.topic}/${position.partition}@${position.offset}: ${reason}; retrying in ${waitMs} ms`)
      },
      pause: async (ms) => {
        // Heartbeats while waiting: a receiver down for minutes must not cost the group its member.
        for (let left = ms; left > 0 && !this.lifecycle.stopping && !isStale(); left -= 1000) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(left, 1000)))
          await heartbeat().catch(() => undefined)
        }
        return !this.lifecycle.stopping && !isStale()
      },
    })
    if (outcome === undefined) return false
    if (outcome.kind === 'delivered') {
      this.delivered++
      this.metrics.deliveredIn((performance.now() - started) / 1000)
      return true
    }
    this.log(`${position.topic}/${position.partition}@${position.offset}: the webhook refused it (HTTP ${outcome.status}) ${outcome.attempts} times; dead-lettered to ${this.deadLetterTopic}`)
    await this.sendDeadLetter(message, position, {
      [DEAD_LETTER_HEADERS.error]: `the webhook refused the request: HTTP ${outcome.status}`,
      [WEBHOOK_DEAD_LETTER_HEADERS.status]: String(outcome.status),
      [WEBHOOK_DEAD_LETTER_HEADERS.response]: outcome.body.slice(0, RESPONSE_HEADER_MAX),
      [WEBHOOK_DEAD_LETTER_HEADERS.attempts]: String(outcome.attempts),
      [WEBHOOK_DEAD_LETTER_HEADERS.idempotencyKey]: idempotencyKey,
    })
    return true
  }

  private async sendDeadLetter(message: KafkaMessage, position: WebhookRecordPosition, headers: { [name: string]: string }): Promise<void> {
    if (!this.producer) throw new Error('the dead-letter producer is not connected')
    const source = { [DEAD_LETTER_HEADERS.topic]: position.topic, [DEAD_LETTER_HEADERS.partition]: String(position.partition), [DEAD_LETTER_HEADERS.offset]: position.offset }
    await this.producer.send({ topic: this.deadLetterTopic, acks: -1, messages: [{ key: message.key, value: message.value, timestamp: message.timestamp, headers: { ...source, ...headers } }] })
    this.deadLettered++
    this.metrics.deadLetteredOne()
  }

  /** The error that stopped the sink, if any. */
  get error(): Error | undefined {
    return this.lifecycle.error
  }

  /** Never rejects: a client failing to disconnect is logged (and is no reason to stay up). */
  stop(): Promise<void> {
    return this.lifecycle.stop()
  }

  /** Stops the sink with this error (the first one wins); nothing more is written. */
  private fail(error: Error): void {
    this.lifecycle.fail(error)
  }

  /** Resolves once stop() (or a fatal error) has stopped the sink. */
  whenStopped(): Promise<void> {
    return this.lifecycle.whenStopped()
  }
}
