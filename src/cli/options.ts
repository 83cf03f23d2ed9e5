import { parseArgs } from 'node:util'
import type { BackendKind } from '../state/backend.js'
import type { ProcessingGuarantee, StreamsConfig } from '../runtime/kafka/streams-config.js'

/** Options shared by the commands that talk to Kafka; flags override SLUICE_* environment variables. */
export const KAFKA_OPTIONS = {
  brokers: { type: 'string' },
  'state-dir': { type: 'string' },
  guarantee: { type: 'string' },
  'offset-reset': { type: 'string' },
  'dead-letter-topic': { type: 'string' },
  'commit-interval': { type: 'string' },
  'update-cache': { type: 'string' },
  'update-cache-bytes': { type: 'string' },
  'store-cache-bytes': { type: 'string' },
  'send-buffer-bytes': { type: 'string' },
  'max-future-timestamp-skew': { type: 'string' },
  backend: { type: 'string' },
  yes: { type: 'boolean' },
  sink: { type: 'string', multiple: true },
  'query-port': { type: 'string' },
  'query-token': { type: 'string' },
  'query-allowed-hosts': { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  url: { type: 'string' },
  json: { type: 'boolean' },
  from: { type: 'string' },
  to: { type: 'string' },
  dot: { type: 'boolean' },
  mermaid: { type: 'boolean' },
} as const

export function parseCommand(args: string[]) {
  return parseArgs({ args, options: KAFKA_OPTIONS, allowPositionals: true, strict: true })
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`--${name} must be one of ${allowed.join(', ')}, got "${value}"`)
  return value as T
}

export function streamsConfigFrom(values: ReturnType<typeof parseCommand>['values']): StreamsConfig {
  const env = process.env
  const interval = values['commit-interval'] ?? env.SLUICE_COMMIT_INTERVAL_MS
  const updateCache = values['update-cache'] ?? env.SLUICE_UPDATE_CACHE_MAX_ENTRIES
  return {
    brokers: (values.brokers ?? env.SLUICE_BROKERS ?? 'localhost:9092').split(','),
    stateDir: values['state-dir'] ?? env.SLUICE_STATE_DIR ?? 'state',
    processingGuarantee: oneOf<ProcessingGuarantee>('guarantee', values.guarantee ?? env.SLUICE_GUARANTEE, ['at_least_once', 'exactly_once']),
    autoOffsetReset: oneOf('offset-reset', values['offset-reset'] ?? env.SLUICE_OFFSET_RESET, ['earliest', 'latest'] as const),
    deadLetterTopic: values['dead-letter-topic'] ?? env.SLUICE_DEAD_LETTER_TOPIC,
    commitIntervalMs: interval === undefined ? undefined : Number(interval),
    updateCacheMaxEntries: countOf('update-cache', updateCache),
    updateCacheMaxBytes: bytesOf('update-cache-bytes', values['update-cache-bytes'] ?? env.SLUICE_UPDATE_CACHE_MAX_BYTES),
    storeCacheMaxBytes: bytesOf('store-cache-bytes', values['store-cache-bytes'] ?? env.SLUICE_STORE_CACHE_MAX_BYTES),
    sendBufferMaxBytes: bytesOf('send-buffer-bytes', values['send-buffer-bytes'] ?? env.SLUICE_SEND_BUFFER_MAX_BYTES),
    maxFutureTimestampSkewMs: skewOf(values['max-future-timestamp-skew'] ?? env.SLUICE_MAX_FUTURE_TIMESTAMP_SKEW_MS),
    sessionTimeoutMs: env.SLUICE_SESSION_TIMEOUT_MS === undefined ? undefined : Number(env.SLUICE_SESSION_TIMEOUT_MS),
    startupTimeoutMs: env.SLUICE_STARTUP_TIMEOUT_MS === undefined ? undefined : Number(env.SLUICE_STARTUP_TIMEOUT_MS),
    backend: oneOf<BackendKind>('backend', values.backend ?? env.SLUICE_BACKEND, ['leveldb', 'memory', 'rocksdb']),
    queryPort: portOf(values['query-port'] ?? env.SLUICE_QUERY_PORT),
    queryToken: queryTokenFrom(values),
    queryAllowedHosts: (values['query-allowed-hosts'] ?? env.SLUICE_QUERY_ALLOWED_HOSTS)?.split(',').map((host) => host.trim()).filter((host) => host !== ''),
  }
}

/** The query server's bearer token: the server's with `run`, the one `store` sends. */
export function queryTokenFrom(values: ReturnType<typeof parseCommand>['values']): string | undefined {
  const token = values['query-token'] ?? process.env.SLUICE_QUERY_TOKEN
  return token === '' ? undefined : token
}

function countOf(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const count = Number(value)
  if (!Number.isInteger(count) || count < 0) throw new Error(`--${name} must be a whole number (0 or more), got "${value}"`)
  return count
}

const BYTE_UNITS: { readonly [unit: string]: number } = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 }

/** A size in bytes: a whole number, optionally with a binary unit (KiB, MiB, GiB; k, m, g and KB, MB, GB mean the same). */
export function bytesOf(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value)
  const unit = match === null ? undefined : BYTE_UNITS[match[2].toLowerCase()]
  const bytes = match === null || unit === undefined ? NaN : Math.floor(Number(match[1]) * unit)
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new Error(`--${name} must be a size in bytes, at least 1 (e.g. 33554432, 32MiB, 512KiB), got "${value}"`)
  return bytes
}

function skewOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const skew = value.trim().toLowerCase() === 'infinity' ? Infinity : Number(value)
  if (value.trim() === '' || Number.isNaN(skew) || skew < 0) throw new Error(`--max-future-timestamp-skew must be milliseconds (0 or Infinity: no check), got "${value}"`)
  return skew
}

function portOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--query-port must be a port number (0 for any free port), got "${value}"`)
  return port
}
