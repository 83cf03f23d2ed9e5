import { toMillis, type Duration } from '../base/duration.js'
import { TopologyError } from '../errors.js'

/** What a full suppression buffer does: forward its oldest entries early, or stop the task with an error. */
export type BufferFullStrategy = 'emit-early' | 'shut-down'

/** Bounds of a suppression buffer (Kafka Streams' BufferConfig). */
export interface BufferConfig {
  /** At most this many keys buffered (default: no bound). */
  readonly maxRecords?: number
  /** At most this many bytes of keys and values buffered (default: no bound). */
  readonly maxBytes?: number
  /** Default 'shut-down' when bounded: untilWindowCloses promises one result per window. */
  readonly whenFull?: BufferFullStrategy
}

/** How a suppressed table holds its updates back (Kafka Streams' Suppressed). */
export type Suppressed =
  | { readonly kind: 'until-window-closes'; readonly buffer: BufferConfig }
  | { readonly kind: 'until-time-limit'; readonly timeLimitMs: number; readonly buffer: BufferConfig }

function checkBuffer(buffer: BufferConfig): BufferConfig {
  for (const [name, value] of [['maxRecords', buffer.maxRecords], ['maxBytes', buffer.maxBytes]] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) throw new TopologyError(`suppression buffer ${name} must be a whole number of at least 1, got ${value}`)
  }
  return buffer
}

export const Suppressed = {
  /**
   * One result per window: the window's final value, forwarded once stream time passes the
   * window's end plus its grace. Only for windowed tables (counts, aggregates and reduces of
   * windowed streams).
   */
  untilWindowCloses(buffer: BufferConfig = {}): Suppressed {
    return { kind: 'until-window-closes', buffer: checkBuffer(buffer) }
  },
  /**
   * A key's latest value, forwarded once stream time is `timeLimit` past the first update
   * buffered for it (rate-limiting a table's updates); later updates start a new period.
   */
  untilTimeLimit(timeLimit: Duration, buffer: BufferConfig = {}): Suppressed {
    const timeLimitMs = toMillis(timeLimit)
    if (!(timeLimitMs >= 0)) throw new TopologyError(`suppress untilTimeLimit needs a time limit of 0 or more, got ${String(timeLimit)}`)
    return { kind: 'until-time-limit', timeLimitMs, buffer: checkBuffer(buffer) }
  },
} as const
