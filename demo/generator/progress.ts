/** How far a writer got; `total` when the caller told it how many records to expect. */
export interface WriteProgress {
  written: number
  total?: number
  /** Milliseconds since the writer started. */
  elapsedMs: number
  /** True on the last report, when the writer is done. */
  done: boolean
}

/** Options every writer takes. */
export interface WriteOptions {
  /** The number of records expected, for percentages. */
  total?: number
  /** Called at most every `progressIntervalMs` while writing, and once at the end. */
  onProgress?: (progress: WriteProgress) => void
  /** Default 2000. */
  progressIntervalMs?: number
}

/** Calls a writer's onProgress at most every interval, and once when done. */
export class ProgressTicker {
  private readonly started = Date.now()
  private last = this.started

  constructor(private readonly options: WriteOptions) {}

  tick(written: number): void {
    if (!this.options.onProgress) return
    const now = Date.now()
    if (now - this.last < (this.options.progressIntervalMs ?? 2000)) return
    this.last = now
    this.options.onProgress({ written, total: this.options.total, elapsedMs: now - this.started, done: false })
  }

  done(written: number): void {
    this.options.onProgress?.({ written, total: this.options.total, elapsedMs: Date.now() - this.started, done: true })
  }
}

/** A progress line for long runs, e.g. "generate: 120000 / 1000000 records (12%), 60000/s". */
export function formatProgress(label: string, progress: WriteProgress): string {
  const { written, total, elapsedMs } = progress
  const percent = total ? ` (${Math.floor((100 * written) / total)}%)` : ''
  const rate = elapsedMs > 0 ? `, ${Math.round((written * 1000) / elapsedMs)}/s` : ''
  return `${label}: ${written}${total ? ` / ${total}` : ''} records${percent}${rate}${progress.done ? ', done' : ''}`
}

/** An onProgress that writes formatProgress lines to stderr. */
export function progressToStderr(label: string): (progress: WriteProgress) => void {
  return (progress) => {
    process.stderr.write(`${formatProgress(label, progress)}\n`)
  }
}
