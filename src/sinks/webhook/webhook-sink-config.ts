import type { Serde } from '../../serde/serde.js'

/** Where a record came from, for the idempotency key and the dead-letter headers. */
export interface WebhookRecordPosition {
  readonly topic: string
  readonly partition: number
  readonly offset: string
}

/**
 * A sink that POSTs each record of a topic as JSON to a webhook (a Slack incoming webhook, say),
 * in its own consumer group, at least once, committing a record's offset only after the
 * receiver took it.
 */
export interface WebhookSinkConfig<K, V> {
  groupId: string
  brokers: string[]
  topic: string
  key: Serde<K>
  value: Serde<V>
  /** The webhook. Empty or undefined: the sink is disabled (it starts, says so, and sends nothing). */
  url: string | undefined
  /** The JSON body for a record, or null to send nothing for it (counted as skipped). */
  message: (key: K, value: V) => { readonly [field: string]: unknown } | null
  /**
   * The same for every delivery of one record, so that a receiver can drop repeats: sent as the
   * `Idempotency-Key` header and as `idempotency_key` in the body. Default: topic-partition-offset.
   */
  idempotencyKey?: (key: K, value: V, position: WebhookRecordPosition) => string
  /** Where records go that cannot be delivered (unreadable, or refused by the receiver for good). Default `<groupId>-dead-letters`. */
  deadLetterTopic?: string
  /** Extra request headers (an authorization, say). */
  headers?: { readonly [name: string]: string }
  /** Tries of a request the receiver refuses (4xx other than 408 / 429) before it is dead-lettered (default 3). */
  refusedAttempts?: number
  /** First pause after a failure, doubled each time up to maxBackoffMs (defaults 500 and 30,000). */
  initialBackoffMs?: number
  maxBackoffMs?: number
  /** A longer Retry-After is cut to this (default 300,000). */
  maxRetryAfterMs?: number
  /** Per request (default 10,000). */
  requestTimeoutMs?: number
  /** Serve the sink's Prometheus metrics at http://127.0.0.1:<port>/metrics (0: any free port). */
  metricsPort?: number
  log?: (message: string) => void
}

/** Typed identity: a webhook sink's configuration, for a default export that `sluice notify` runs. */
export function defineWebhookSink<K, V>(config: WebhookSinkConfig<K, V>): WebhookSinkConfig<K, V> {
  return config
}
