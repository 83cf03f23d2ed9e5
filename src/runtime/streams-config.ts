import { DEFAULT_MAX_FUTURE_TIMESTAMP_SKEW_MS, futureSkewBoundMs } from '../processor/event-time.js'
import { DEFAULT_UPDATE_CACHE_MAX_BYTES } from '../dsl/processors/update-cache.js'
import type { BackendKind } from '../state/backend.js'
import { DEFAULT_CACHE_MAX_BYTES } from '../state/write-back-cache.js'

export type ProcessingGuarantee = 'at_least_once' | 'exactly_once'

/** How a KafkaStreams instance connects, stores state and commits. */
export interface StreamsConfig {
  /** Bootstrap brokers, e.g. ['localhost:9092']. */
  brokers: string[]
  clientId?: string
  /** Root of local state: <stateDir>/<applicationId>/<taskId>/<store> (default "state"). */
  stateDir?: string
  /** Store backend when a store does not choose one (default 'leveldb'). */
  backend?: BackendKind
  processingGuarantee?: ProcessingGuarantee
  /**
   * Commit at least this often (default 1 s at-least-once, 100 ms exactly-once). Outputs,
   * repartition records included, leave at the latest at commit (under at-least-once, as soon
   * as a request's worth has accumulated), so this bounds the added latency.
   */
  commitIntervalMs?: number
  /**
   * Aggregation updates each task holds until commit (default 10 000 keys): a key updated many
   * times between commits is forwarded once, with its latest value, as Kafka Streams' record
   * cache does. 0 forwards every update at once.
   */
  updateCacheMaxEntries?: number
  /**
   * ... and at most this many bytes of them per aggregation and task (default 8 MiB, estimated:
   * key text twice, the value's approximate size, overhead); past it the oldest go early.
   */
  updateCacheMaxBytes?: number
  /**
   * Each store instance's write-back cache holds at most this many bytes (default 32 MiB:
   * keys, values by serialized size where known, overhead): clean entries are evicted past it,
   * and dirty ones over half of it make the task commit (which flushes them).
   */
  storeCacheMaxBytes?: number
  /**
   * Output records (repartition records too) sent and not yet acknowledged under at-least-once,
   * or held for the transaction under exactly-once, make the next batch commit early past this
   * many bytes in all (default 32 MiB, the Java producer's buffer.memory), as past 50 000 records.
   */
  sendBufferMaxBytes?: number
  /** Where to start when the group has no committed offset: 'earliest' (default) or 'latest'. */
  autoOffsetReset?: 'earliest' | 'latest'
  /** Failed records go here with the error in headers, instead of stopping the application. */
  deadLetterTopic?: string
  /**
   * Event times further ahead of the wall clock than this are refused: the record goes to the
   * dead-letter topic (or fails the application) and moves no stream time (default 1 day; 0 or
   * Infinity: no check, for replays of future-dated data).
   */
  maxFutureTimestampSkewMs?: number
  /** How long the group waits for a silent member before moving its tasks (default 30 s). */
  sessionTimeoutMs?: number
  /**
   * How long start() waits for a cluster that does not answer (restarting, not up yet) before
   * it fails (default 5 minutes). A running application waits for it as long as it takes.
   */
  startupTimeoutMs?: number
  /** Replication factor of the internal topics Sluice creates (default 1). */
  replicationFactor?: number
  /**
   * Serve read-only store queries over HTTP on this port (0: any free port); off when unset.
   * The URL is logged and written to <stateDir>/<applicationId>/.sluice-query.json.
   */
  queryPort?: number
  /** Interface of the query server (default 127.0.0.1: reachable from this machine only). */
  queryHost?: string
  /**
   * Names requests may give in `Host` besides localhost, 127.0.0.1, [::1] and queryHost (e.g.
   * this machine's name when queryHost is 0.0.0.0); others get 403, which stops DNS rebinding.
   */
  queryAllowedHosts?: string[]
  /** When set, store queries (and metrics) need `Authorization: Bearer <token>` (401 without). */
  queryToken?: string
  /**
   * Serve the application's metrics in the Prometheus text format at GET /metrics on this port
   * (0: any free port); off when unset. Same Host rules and token as the query server.
   */
  metricsPort?: number
  /** Interface of the metrics endpoint (default 127.0.0.1). */
  metricsHost?: string
  /**
   * Delete repartition records the application has committed, at most this often (default
   * 30 s). Repartition topics have no time retention, so without this they only grow.
   */
  purgeIntervalMs?: number
  /** Progress and lifecycle messages (default: to stderr). */
  log?: (message: string) => void
}

export const DEFAULT_UPDATE_CACHE_MAX_ENTRIES = 10_000
export const DEFAULT_SEND_BUFFER_MAX_BYTES = 32 * 1024 * 1024

/** A byte bound from the config: a positive whole number, or the default when unset. */
function byteBound(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a whole number of bytes (at least 1), got ${value}`)
  return value
}

export interface ResolvedStreamsConfig extends Required<Omit<StreamsConfig, 'deadLetterTopic' | 'queryPort' | 'queryToken' | 'metricsPort'>> {
  deadLetterTopic: string | undefined
  queryPort: number | undefined
  queryToken: string | undefined
  metricsPort: number | undefined
}

/** The longest delay a Node.js timer takes; a larger one fires after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647

/** [min, max] of each numeric setting; NaN, fractions and values out of range are refused. */
const INTEGER_RANGES = {
  commitIntervalMs: [1, MAX_TIMER_MS],
  updateCacheMaxEntries: [0, Number.MAX_SAFE_INTEGER],
  sessionTimeoutMs: [1, MAX_TIMER_MS],
  startupTimeoutMs: [1, Number.MAX_SAFE_INTEGER], // a deadline, not a timer
  replicationFactor: [1, 32_767],
  queryPort: [0, 65_535],
  metricsPort: [0, 65_535],
  purgeIntervalMs: [0, MAX_TIMER_MS], // 0: at every commit
} as const satisfies { [name in keyof StreamsConfig]?: readonly [number, number] }

/** Throws an Error naming the first setting that cannot work (a NaN commit interval makes the commit timer fire every millisecond). */
export function checkStreamsConfig(config: StreamsConfig): void {
  if (!Array.isArray(config.brokers) || config.brokers.length === 0 || config.brokers.some((broker) => typeof broker !== 'string' || broker.trim() === '')) {
    throw new Error(`StreamsConfig.brokers must list at least one host:port, got ${JSON.stringify(config.brokers)}`)
  }
  for (const [name, [min, max]] of Object.entries(INTEGER_RANGES)) {
    const value = config[name as keyof typeof INTEGER_RANGES]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new Error(`StreamsConfig.${name} must be a whole number from ${min} to ${max}, got ${typeof value === 'number' ? value : JSON.stringify(value)}`)
    }
  }
}

export function resolveConfig(applicationId: string, config: StreamsConfig): ResolvedStreamsConfig {
  checkStreamsConfig(config)
  const guarantee = config.processingGuarantee ?? 'at_least_once'
  return {
    brokers: config.brokers,
    clientId: config.clientId ?? applicationId,
    stateDir: config.stateDir ?? 'state',
    backend: config.backend ?? 'leveldb',
    processingGuarantee: guarantee,
    commitIntervalMs: config.commitIntervalMs ?? (guarantee === 'exactly_once' ? 100 : 1000),
    updateCacheMaxEntries: config.updateCacheMaxEntries ?? DEFAULT_UPDATE_CACHE_MAX_ENTRIES,
    updateCacheMaxBytes: byteBound('updateCacheMaxBytes', config.updateCacheMaxBytes, DEFAULT_UPDATE_CACHE_MAX_BYTES),
    storeCacheMaxBytes: byteBound('storeCacheMaxBytes', config.storeCacheMaxBytes, DEFAULT_CACHE_MAX_BYTES),
    sendBufferMaxBytes: byteBound('sendBufferMaxBytes', config.sendBufferMaxBytes, DEFAULT_SEND_BUFFER_MAX_BYTES),
    autoOffsetReset: config.autoOffsetReset ?? 'earliest',
    deadLetterTopic: config.deadLetterTopic,
    maxFutureTimestampSkewMs: futureSkewBoundMs(config.maxFutureTimestampSkewMs ?? DEFAULT_MAX_FUTURE_TIMESTAMP_SKEW_MS),
    sessionTimeoutMs: config.sessionTimeoutMs ?? 30_000,
    startupTimeoutMs: config.startupTimeoutMs ?? 300_000,
    replicationFactor: config.replicationFactor ?? 1,
    queryPort: config.queryPort,
    queryHost: config.queryHost ?? '127.0.0.1',
    queryAllowedHosts: config.queryAllowedHosts ?? [],
    queryToken: config.queryToken === '' ? undefined : config.queryToken,
    metricsPort: config.metricsPort,
    metricsHost: config.metricsHost ?? '127.0.0.1',
    purgeIntervalMs: config.purgeIntervalMs ?? 30_000,
    log: config.log ?? ((message) => process.stderr.write(`[sluice ${applicationId}] ${message}\n`)),
  }
}
