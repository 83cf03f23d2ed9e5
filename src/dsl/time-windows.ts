import { toMillis, type Duration } from '../base/duration.js'

/**
 * Fixed-size event-time windows [start, start + size), aligned to the epoch. Tumbling when the
 * advance equals the size, hopping when it is smaller. A window accepts records until stream
 * time reaches end + grace; the grace period must be chosen explicitly.
 */
export class TimeWindows {
  private constructor(
    readonly sizeMs: number,
    readonly advanceMs: number,
    readonly graceMs: number,
  ) {
    if (sizeMs <= 0) throw new Error('A window size must be positive')
    if (advanceMs <= 0 || advanceMs > sizeMs) throw new Error(`A window advance must be in (0, size]; got ${advanceMs} for size ${sizeMs}`)
  }

  /** Starts a window definition; finish it with grace() or noGrace(). */
  static ofSize(size: Duration): TimeWindowsWithoutGrace {
    return new TimeWindowsWithoutGrace(toMillis(size), toMillis(size))
  }

  /** @internal Used by TimeWindowsWithoutGrace. */
  static create(sizeMs: number, advanceMs: number, graceMs: number): TimeWindows {
    return new TimeWindows(sizeMs, advanceMs, graceMs)
  }

  /** Turns tumbling windows into hopping ones that start every `advance`. */
  advanceBy(advance: Duration): TimeWindows {
    return new TimeWindows(this.sizeMs, toMillis(advance), this.graceMs)
  }

  get isTumbling(): boolean {
    return this.advanceMs === this.sizeMs
  }

  /** How long a window store keeps windows by default: until they can no longer change. */
  get retentionMs(): number {
    return this.sizeMs + this.graceMs
  }

  /** Starts of every window that contains the timestamp, oldest first. */
  windowStartsFor(timestamp: number): number[] {
    const latest = timestamp - (timestamp % this.advanceMs)
    const starts: number[] = []
    for (let start = latest; start > timestamp - this.sizeMs && start >= 0; start -= this.advanceMs) starts.unshift(start)
    return starts
  }

  /** True when stream time has reached the window's end plus grace: it takes no more records. */
  isClosed(windowStart: number, streamTimeMs: number): boolean {
    return streamTimeMs >= windowStart + this.sizeMs + this.graceMs
  }

  toString(): string {
    return `${this.isTumbling ? 'tumbling' : `hopping every ${this.advanceMs} ms,`} size ${this.sizeMs} ms, grace ${this.graceMs} ms`
  }
}

/** A window size without a grace period yet: Sluice makes the grace an explicit choice. */
export class TimeWindowsWithoutGrace {
  constructor(
    private readonly sizeMs: number,
    private readonly advanceMs: number,
  ) {}

  advanceBy(advance: Duration): TimeWindowsWithoutGrace {
    return new TimeWindowsWithoutGrace(this.sizeMs, toMillis(advance))
  }

  grace(grace: Duration): TimeWindows {
    return TimeWindows.create(this.sizeMs, this.advanceMs, toMillis(grace))
  }

  noGrace(): TimeWindows {
    return TimeWindows.create(this.sizeMs, this.advanceMs, 0)
  }
}
