import { toMillis, type Duration } from '../base/duration.js'

/**
 * Session windows, as Kafka Streams defines them: per key, a session is the span [start, end]
 * (both inclusive) from its first to its last record, and it grows while records keep coming
 * within the inactivity gap of it. A record whose time is within the gap of a session (at most
 * `gap` before its start or after its end; exactly `gap` apart counts) joins it; a record
 * within the gap of two sessions merges them into one. Sessions have no fixed size and are not
 * aligned to the epoch.
 *
 * A session closes once stream time is past its end + gap + grace (see
 * sessionAggregateProcessor for the exact rule); the grace period must be chosen explicitly.
 */
export class SessionWindows {
  private constructor(
    readonly inactivityGapMs: number,
    readonly graceMs: number,
  ) {
    if (!(inactivityGapMs > 0)) throw new Error('A session inactivity gap must be positive')
  }

  /** Sessions that end after `gap` without records, and accept records up to `grace` out of order. */
  static ofInactivityGapAndGrace(gap: Duration, grace: Duration): SessionWindows {
    return new SessionWindows(toMillis(gap), toMillis(grace))
  }

  /** Sessions without a grace period: a record later than end + gap behind stream time is dropped. */
  static ofInactivityGapWithNoGrace(gap: Duration): SessionWindows {
    return new SessionWindows(toMillis(gap), 0)
  }

  /** How long a session store keeps sessions by default: until they can no longer change. */
  get retentionMs(): number {
    return this.inactivityGapMs + this.graceMs
  }

  toString(): string {
    return `sessions, inactivity gap ${this.inactivityGapMs} ms, grace ${this.graceMs} ms`
  }
}
