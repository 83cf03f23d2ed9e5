import { toMillis, type Duration } from '../base/duration.js'

/**
 * How far apart in event time two records of the same key may be to join, for the stream-stream
 * joins (`KStream.join`, `leftJoin`, `outerJoin`), as Kafka Streams' JoinWindows: a record of
 * this stream at time t joins the other stream's records whose timestamps lie in
 * [t - before, t + after] (both ends inclusive); seen from the other stream the window is
 * mirrored, [t - after, t + before]. Each record defines its own window; nothing is aligned to
 * the epoch.
 *
 * The grace period says how long after a record's window has ended (by stream time) records
 * of the other side may still arrive and join it; it also says when a left or outer join gives
 * up on a record and emits it without a match (see `KStream.leftJoin`). As with TimeWindows,
 * the grace period is always chosen explicitly.
 */
export class JoinWindows {
  private constructor(
    /** How much earlier than this stream's record the other stream's records may be. */
    readonly beforeMs: number,
    /** How much later than this stream's record the other stream's records may be. */
    readonly afterMs: number,
    readonly graceMs: number,
  ) {
    if (beforeMs + afterMs < 0) throw new Error(`A join window must not be inverse: before (${beforeMs} ms) + after (${afterMs} ms) is negative`)
  }

  /** Records join if their timestamps differ by at most `timeDifference`; late records are accepted for `grace` after the window ends. */
  static ofTimeDifferenceAndGrace(timeDifference: Duration, grace: Duration): JoinWindows {
    const difference = toMillis(timeDifference)
    return new JoinWindows(difference, difference, toMillis(grace))
  }

  /** As ofTimeDifferenceAndGrace with a grace of 0: a record whose window has ended is late. */
  static ofTimeDifferenceWithNoGrace(timeDifference: Duration): JoinWindows {
    return JoinWindows.ofTimeDifferenceAndGrace(timeDifference, 0)
  }

  /**
   * Sets how much earlier the other stream's records may be, keeping `after`. It may be
   * negative (a window that starts after the record), as long as before + after is not.
   */
  before(timeDifference: Duration): JoinWindows {
    return new JoinWindows(signedMillis(timeDifference), this.afterMs, this.graceMs)
  }

  /**
   * Sets how much later the other stream's records may be, keeping `before`. It may be
   * negative (a window that ends before the record), as long as before + after is not.
   */
  after(timeDifference: Duration): JoinWindows {
    return new JoinWindows(this.beforeMs, signedMillis(timeDifference), this.graceMs)
  }

  /** before + after: the span of a record's window, in milliseconds. */
  get sizeMs(): number {
    return this.beforeMs + this.afterMs
  }

  /**
   * How long each side's window store keeps a record: until stream time has passed
   * t + before + after + grace, after which no record that could join it is still accepted
   * from the other side (and at least until its own window has closed, for windows with a
   * negative bound).
   */
  get retentionMs(): number {
    return Math.max(this.beforeMs + this.afterMs, this.beforeMs, this.afterMs) + this.graceMs + 1
  }

  toString(): string {
    return `join window before ${this.beforeMs} ms, after ${this.afterMs} ms, grace ${this.graceMs} ms`
  }
}

/** A duration that may be negative (a number of milliseconds, or text with a leading '-'). */
function signedMillis(duration: Duration): number {
  if (typeof duration === 'number') {
    if (!Number.isFinite(duration)) throw new Error(`Invalid duration ${duration}`)
    return Math.round(duration)
  }
  return duration.startsWith('-') ? -toMillis(duration.slice(1) as Duration) : toMillis(duration)
}
