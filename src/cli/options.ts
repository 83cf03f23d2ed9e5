import { parseArgs, type ParseArgsConfig } from 'node:util'
import type { BackendKind } from '../state/backend.js'
import type { ProcessingGuarantee, StreamsConfig } from '../runtime/streams-config.js'
import { COMMAND_OPTIONS, type TopologyCommand } from './commands.js'
import { brokersSetting, bytesSetting, choiceSetting, integerOrInfinitySetting, integerSetting, listSetting, settingOf, textSetting } from './setting.js'

/** What a command's flags parsed to. */
export interface CommandValues {
  readonly [name: string]: string | boolean | string[] | undefined
}

/** A command's flags and positionals; an unknown option or a missing value throws (parseArgs' ERR_PARSE_ARGS_* codes). */
export function parseCommand(command: TopologyCommand, args: string[]): { values: CommandValues; positionals: string[] } {
  const options: ParseArgsConfig['options'] = COMMAND_OPTIONS[command]
  const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true })
  return { values: values as CommandValues, positionals }
}

function text(values: CommandValues, name: string): string | undefined {
  const value = values[name]
  return typeof value === 'string' ? value : undefined
}

/** The longest delay a Node.js timer takes; a larger one fires after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647

/** The StreamsConfig of `run`, `store` and `reset`: flags, else SLUICE_* variables; every value checked, errors name the flag or variable. */
export function streamsConfigFrom(values: CommandValues): StreamsConfig {
  const setting = (flag: string, envName: string) => settingOf(flag, text(values, flag), envName)
  return {
    brokers: brokersSetting(setting('brokers', 'SLUICE_BROKERS')) ?? ['localhost:9092'],
    stateDir: textSetting(setting('state-dir', 'SLUICE_STATE_DIR')) ?? 'state',
    processingGuarantee: choiceSetting<ProcessingGuarantee>(setting('guarantee', 'SLUICE_GUARANTEE'), ['at_least_once', 'exactly_once']),
    autoOffsetReset: choiceSetting(setting('offset-reset', 'SLUICE_OFFSET_RESET'), ['earliest', 'latest'] as const),
    deadLetterTopic: textSetting(setting('dead-letter-topic', 'SLUICE_DEAD_LETTER_TOPIC')),
    commitIntervalMs: integerSetting(setting('commit-interval', 'SLUICE_COMMIT_INTERVAL_MS'), { min: 1, max: MAX_TIMER_MS, unit: 'milliseconds' }),
    updateCacheMaxEntries: integerSetting(setting('update-cache', 'SLUICE_UPDATE_CACHE_MAX_ENTRIES'), { min: 0, unit: 'entries' }),
    updateCacheMaxBytes: bytesSetting(setting('update-cache-bytes', 'SLUICE_UPDATE_CACHE_MAX_BYTES')),
    storeCacheMaxBytes: bytesSetting(setting('store-cache-bytes', 'SLUICE_STORE_CACHE_MAX_BYTES')),
    sendBufferMaxBytes: bytesSetting(setting('send-buffer-bytes', 'SLUICE_SEND_BUFFER_MAX_BYTES')),
    maxFutureTimestampSkewMs: integerOrInfinitySetting(setting('max-future-timestamp-skew', 'SLUICE_MAX_FUTURE_TIMESTAMP_SKEW_MS'), {
      min: 0,
      unit: 'milliseconds',
      note: '0 or Infinity: no check',
    }),
    sessionTimeoutMs: integerSetting(setting('session-timeout', 'SLUICE_SESSION_TIMEOUT_MS'), { min: 1, max: MAX_TIMER_MS, unit: 'milliseconds' }),
    // A variable only (no flag), as on main.
    startupTimeoutMs: integerSetting(settingOf('startup-timeout', undefined, 'SLUICE_STARTUP_TIMEOUT_MS'), { min: 1, unit: 'milliseconds' }),
    backend: choiceSetting<BackendKind>(setting('backend', 'SLUICE_BACKEND'), ['leveldb', 'memory', 'rocksdb']),
    queryPort: integerSetting(setting('query-port', 'SLUICE_QUERY_PORT'), { min: 0, max: 65535, unit: 'a port (0: any free one)' }),
    metricsPort: integerSetting(setting('metrics-port', 'SLUICE_METRICS_PORT'), { min: 0, max: 65535, unit: 'a port (0: any free one)' }),
    metricsHost: textSetting(setting('metrics-host', 'SLUICE_METRICS_HOST')),
    queryToken: queryTokenFrom(values),
    queryAllowedHosts: listSetting(setting('query-allowed-hosts', 'SLUICE_QUERY_ALLOWED_HOSTS'), 'host names'),
  }
}

/** The query server's bearer token: the server's with `run`, the one `store` sends; empty means none. */
export function queryTokenFrom(values: CommandValues): string | undefined {
  const token = settingOf('query-token', text(values, 'query-token'), 'SLUICE_QUERY_TOKEN')
  return token === undefined || token.text === '' ? undefined : token.text
}
