import { toMillis, type Duration } from '../base/duration.js'

/**
 * Sliding windows for aggregations, as Kafka Streams defines them (KIP-450): windows of a fixed
 * time difference D, inclusive at both ends, that exist only where records are. Per key, each
 * record at t has its own window [t - D, t] (the records within D before it, and itself) and,
 * when records follow it within D, the window [t + 1, t + 1 + D] right after it (the records
 * after it within D + 1). Every window is defined by records, so none is empty, and two
 * windows with the same records are never both made. Records before D (near the epoch) share
 * the window [0, D], as no window starts before 0.
 *
 * A window closes once stream time is past its end + grace (end + grace < stream time); the
 * grace period must be chosen explicitly. Sluice needs a time difference of at least 1 ms.
 */
export class SlidingWindows {
  private constructor(
    readonly timeDifferenceMs: number,
    readonly graceMs: number,
  ) {
    if (!Number.isSafeInteger(timeDifferenceMs) || timeDifferenceMs < 1) throw new Error(`A sliding window time difference must be a whole number of ms, at least 1; got ${timeDifferenceMs}`)
  }

  /** Windows of `timeDifference` that accept records up to `grace` out of order. */
  static ofTimeDifferenceAndGrace(timeDifference: Duration, grace: Duration): SlidingWindows {
    return new SlidingWindows(toMillis(timeDifference), toMillis(grace))
  }

  /** Windows without a grace period: a window takes no record once stream time is past its end. */
  static ofTimeDifferenceWithNoGrace(timeDifference: Duration): SlidingWindows {
    return new SlidingWindows(toMillis(timeDifference), 0)
  }

  /**
   * How long the window store keeps windows: a record reads windows that started up to
   * 2 D + grace + 1 before stream time (the window it takes its own window's records from, and
   * the previous record's), so they are kept 2 D + grace + 2. Kafka Streams' default is
   * 2 D + grace, which its segments round up; Sluice's store expires exactly.
   */
  get retentionMs(): number {
    return 2 * this.timeDifferenceMs + this.graceMs + 2
  }

  toString(): string {
    return `sliding, time difference ${this.timeDifferenceMs} ms, grace ${this.graceMs} ms`
  }
}
