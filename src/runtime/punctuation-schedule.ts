import type { Cancellable, PunctuationType, Punctuator } from '../processor/processor.js'

interface Scheduled {
  readonly intervalMs: number
  readonly punctuator: Punctuator
  /** Next time it is due; -1 for a stream-time punctuator before the first record. */
  nextMs: number
  cancelled: boolean
}

/** The punctuators of one task, fired as stream time or wall-clock time passes them. */
export class PunctuationSchedule {
  private readonly byType: { [T in PunctuationType]: Scheduled[] } = { 'stream-time': [], 'wall-clock': [] }

  add(type: PunctuationType, intervalMs: number, punctuator: Punctuator, nowMs: number): Cancellable {
    if (!(intervalMs >= 1)) throw new Error(`A punctuation interval must be at least 1 ms, got ${intervalMs}`)
    const scheduled: Scheduled = { intervalMs, punctuator, nextMs: type === 'wall-clock' ? nowMs + intervalMs : nowMs < 0 ? -1 : nowMs + intervalMs, cancelled: false }
    this.byType[type].push(scheduled)
    return {
      cancel: () => {
        scheduled.cancelled = true
        this.byType[type] = this.byType[type].filter((entry) => entry !== scheduled)
      },
    }
  }

  /**
   * Runs every punctuator of the type that is due at `nowMs`: each fires once however much time
   * passed, then waits a full interval again.
   */
  async fire(type: PunctuationType, nowMs: number, run: (punctuator: Punctuator, timestamp: number) => Promise<void>): Promise<number> {
    let fired = 0
    for (const scheduled of [...this.byType[type]]) {
      if (scheduled.cancelled) continue
      if (scheduled.nextMs === -1) {
        scheduled.nextMs = nowMs + scheduled.intervalMs
        continue
      }
      if (nowMs < scheduled.nextMs) continue
      scheduled.nextMs = nowMs + scheduled.intervalMs
      await run(scheduled.punctuator, nowMs)
      fired++
    }
    return fired
  }

  get hasStreamTimePunctuators(): boolean {
    return this.byType['stream-time'].length > 0
  }

  /** Whether a wall-clock punctuator is due at `nowMs`. */
  wallClockDue(nowMs: number): boolean {
    return this.byType['wall-clock'].some((scheduled) => !scheduled.cancelled && nowMs >= scheduled.nextMs)
  }
}
