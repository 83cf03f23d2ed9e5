import { messageOf } from '../errors.js'

/** A client a sink holds, released in order on stop: what it is (for the log) and how to close it. */
export type SinkResource = readonly [what: string, close: (() => Promise<void>) | undefined]

/**
 * How a sink stops, the same for every sink: stop() releases its clients in order and never
 * rejects (a client failing to close is logged, and is no reason to stay up); fail() stops it
 * with the first error; whenStopped() resolves once it has stopped either way.
 */
export class SinkLifecycle {
  private stoppingNow = false
  private fatal: Error | undefined
  private stopped: Promise<void> | undefined

  constructor(
    private readonly log: (message: string) => void,
    /** Read at stop time: clients made during start-up are released too. */
    private readonly resources: () => readonly SinkResource[],
  ) {}

  /** True once stop() or fail() was called: nothing more is written. */
  get stopping(): boolean {
    return this.stoppingNow
  }

  /** The error that stopped the sink, if any. */
  get error(): Error | undefined {
    return this.fatal
  }

  stop(): Promise<void> {
    this.stoppingNow = true
    this.stopped ??= (async () => {
      for (const [what, close] of this.resources()) await close?.().catch((error: unknown) => this.log(`closing the ${what} failed: ${messageOf(error)}`))
    })()
    return this.stopped
  }

  /** Stops the sink with this error (the first one wins). */
  fail(error: Error): void {
    if (this.stoppingNow) return
    this.fatal = error
    this.stoppingNow = true
    this.log(`stopping on error: ${error.message}`)
    // Not from inside a kafkajs callback: disconnecting waits for that callback to return.
    setImmediate(() => void this.stop())
  }

  async whenStopped(): Promise<void> {
    while (!this.stopped) await new Promise((resolve) => setTimeout(resolve, 200))
    await this.stopped
  }
}
