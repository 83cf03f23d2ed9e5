import type { ApplicationStatus } from '../runtime/status/application-status.js'

/** One point of the console's charts: rates over the second before `atMs`, levels at `atMs`. */
export interface StatusSample {
  readonly atMs: number
  readonly recordsInPerSecond: number
  readonly recordsOutPerSecond: number
  /** Mean commit time over the interval; null when nothing was committed in it. */
  readonly commitLatencyMs: number | null
  readonly lag: number
  readonly lateDropsPerSecond: number
  readonly deadLettersPerSecond: number
}

const SAMPLE_EVERY_MS = 1000
const KEEP_MS = 10 * 60_000

/**
 * Samples an application's status once a second and keeps the last ten minutes, so that a page
 * opened late still draws the minutes before it; also the latest per-node rates. Counters that
 * go back (a task closed and its node counts left with it) count as no records, never negative.
 */
export class StatusHistory {
  private readonly samples: StatusSample[] = []
  private previous: ApplicationStatus | undefined
  private rates: { [node: string]: number } = {}
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly read: () => ApplicationStatus) {}

  start(): void {
    this.previous = this.read()
    this.timer = setInterval(() => this.sample(), SAMPLE_EVERY_MS)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  list(): readonly StatusSample[] {
    return [...this.samples]
  }

  /** Records per second into each node over the last sampled second. */
  nodeRates(): { readonly [node: string]: number } {
    return this.rates
  }

  /** Takes one sample now (the timer's tick; tests call it directly). */
  sample(): void {
    const now = this.read()
    const before = this.previous
    this.previous = now
    if (!before) return
    const seconds = Math.max((now.nowMs - before.nowMs) / 1000, 0.001)
    const rate = (after: number, earlier: number): number => Math.max(after - earlier, 0) / seconds
    const commits = now.totals.commits - before.totals.commits
    this.samples.push({
      atMs: now.nowMs,
      recordsInPerSecond: rate(now.totals.recordsProcessed, before.totals.recordsProcessed),
      recordsOutPerSecond: rate(now.totals.recordsProduced, before.totals.recordsProduced),
      commitLatencyMs: commits > 0 ? ((now.totals.commitSeconds - before.totals.commitSeconds) * 1000) / commits : null,
      lag: now.totals.lag,
      lateDropsPerSecond: rate(now.totals.lateRecordsDropped, before.totals.lateRecordsDropped),
      deadLettersPerSecond: rate(now.totals.deadLetters, before.totals.deadLetters),
    })
    while (this.samples.length > 0 && this.samples[0].atMs < now.nowMs - KEEP_MS) this.samples.shift()
    const rates: { [node: string]: number } = {}
    for (const [node, count] of Object.entries(now.nodeRecords)) rates[node] = rate(count, before.nodeRecords[node] ?? 0)
    this.rates = rates
  }
}
