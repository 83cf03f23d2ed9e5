import type { FraudAlert } from '../topologies/user-anomaly.js'

/** An alert as the summary shows it: from the alerts topic (in-process) or the fraud_alerts table (Kafka). */
export type AlertLine = Pick<FraudAlert, 'cc_num' | 'amt' | 'category' | 'score'> & { level: string; time: string; rules: readonly string[] }

/** The summary line of an alert record. */
export function alertLine(alert: FraudAlert): AlertLine {
  return { ...alert, time: alert.trans_date_trans_time, rules: alert.reasons.map((reason) => reason.rule) }
}

interface WindowCounts {
  start: number
  end: number
  counts: Map<string, number>
}

function time(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ')
}

/**
 * What the demo prints while it runs: each window's counts once stream time has closed it,
 * and medium and high alerts as they come (low ones are counted, to keep the screen readable).
 */
export class LiveSummary {
  private readonly open = new Map<number, WindowCounts>()
  private readonly alertsByLevel = new Map<string, number>()
  private streamTimeMs = -Infinity

  constructor(
    private readonly graceMs: number,
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  countUpdated(window: { start: number; end: number }, category: string, count: number): void {
    let entry = this.open.get(window.start)
    if (!entry) this.open.set(window.start, (entry = { start: window.start, end: window.end, counts: new Map() }))
    entry.counts.set(category, count)
  }

  alert(alert: AlertLine): void {
    this.alertsByLevel.set(alert.level, (this.alertsByLevel.get(alert.level) ?? 0) + 1)
    if (alert.level === 'LOW') return
    const reasons = alert.rules.join(', ')
    this.write(`  ${alert.level.padEnd(6)} alert  ${alert.time}  card ${alert.cc_num}  $${alert.amt.toFixed(2).padStart(9)}  ${alert.category.padEnd(14)} score ${alert.score.toFixed(2)}  (${reasons})`)
  }

  /** Prints the windows that stream time has closed. */
  advanceTo(streamTimeMs: number): void {
    this.streamTimeMs = Math.max(this.streamTimeMs, streamTimeMs)
    for (const entry of [...this.open.values()].sort((a, b) => a.start - b.start)) {
      if (entry.end + this.graceMs > this.streamTimeMs) break
      this.printWindow(entry, 'closed')
      this.open.delete(entry.start)
    }
  }

  /** Prints the windows still open when the input ends, and the alert totals. */
  finish(): void {
    for (const entry of [...this.open.values()].sort((a, b) => a.start - b.start)) this.printWindow(entry, 'open')
    this.open.clear()
    const levels = ['HIGH', 'MEDIUM', 'LOW'].map((level) => `${this.alertsByLevel.get(level) ?? 0} ${level}`)
    this.write(`alerts: ${levels.join(', ')}`)
  }

  private printWindow(entry: WindowCounts, state: 'closed' | 'open'): void {
    const total = [...entry.counts.values()].reduce((sum, count) => sum + count, 0)
    const top = [...entry.counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4)
    this.write(
      `window ${time(entry.start)} - ${time(entry.end)} (${state})  ${String(total).padStart(5)} transactions  top: ${top.map(([category, count]) => `${category} ${count}`).join(', ')}` +
      '',
    )
  }
}
