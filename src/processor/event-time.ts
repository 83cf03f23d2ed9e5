import { InvalidTimestampError } from '../errors.js'

/**
 * Default of maxFutureTimestampSkewMs: event times more than a day ahead of the wall clock are
 * refused. One such record would otherwise move stream time years ahead, close every window
 * and make every later record late.
 */
export const DEFAULT_MAX_FUTURE_TIMESTAMP_SKEW_MS = 86_400_000

/** The skew setting as a bound: 0 and Infinity switch the check off (replays of future-dated data). */
export function futureSkewBoundMs(maxFutureTimestampSkewMs: number | undefined): number {
  const skew = maxFutureTimestampSkewMs ?? DEFAULT_MAX_FUTURE_TIMESTAMP_SKEW_MS
  if (Number.isNaN(skew) || skew < 0) throw new Error(`maxFutureTimestampSkewMs must be 0 or more (0 or Infinity: no check), got ${skew}`)
  return skew === 0 ? Infinity : skew
}

/**
 * The error for an event time that must not be used, or undefined when it is fine: negative,
 * not a finite number, or later than `latestPlausibleMs` (wall clock + maxFutureTimestampSkewMs).
 */
export function checkEventTime(timestamp: number, latestPlausibleMs: number): InvalidTimestampError | undefined {
  if (!Number.isFinite(timestamp)) return new InvalidTimestampError(timestamp, 'not-finite', `invalid timestamp ${timestamp}: not a finite number`)
  if (timestamp < 0) return new InvalidTimestampError(timestamp, 'negative', `invalid timestamp ${timestamp}: negative`)
  if (timestamp > latestPlausibleMs) {
    return new InvalidTimestampError(
      timestamp,
      'too-far-ahead',
      `invalid timestamp ${timestamp} (${describeTime(timestamp)}): later than ${describeTime(latestPlausibleMs)}, the wall clock plus maxFutureTimestampSkewMs (0 or Infinity turns the check off for replays)`,
    )
  }
  return undefined
}

function describeTime(ms: number): string {
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? `${ms} ms` : date.toISOString()
}
