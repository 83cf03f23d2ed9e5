// A `sluice run` or `sluice sink` process under a supervisor, as an operator would run it:
// when it dies without the fault schedule having killed it, it is started again, and the
// death is recorded, because a process must never die from a fault it can survive.
import { rm } from 'node:fs/promises'
import { SluiceProcess } from '../integration/kafka-helpers.js'

export interface UnexpectedExit {
  readonly name: string
  readonly code: number | null
  readonly output: string
}

export class SupervisedProcess {
  current: SluiceProcess
  /** Every process this one was, oldest first (their output explains a failure). */
  readonly history: SluiceProcess[] = []
  private readonly planned = new WeakSet<SluiceProcess>()
  private stopped = false

  constructor(
    readonly name: string,
    private readonly start: () => SluiceProcess,
    private readonly unexpected: UnexpectedExit[],
    readonly stateDir?: string,
  ) {
    this.current = this.launch()
  }

  /** kill -9, optionally deleting the state directory, and start again. */
  async kill9(options: { wipeState?: boolean } = {}): Promise<void> {
    const victim = this.current
    this.planned.add(victim)
    victim.kill('SIGKILL')
    await victim.exited
    if (options.wipeState && this.stateDir) await rm(this.stateDir, { recursive: true, force: true })
    this.current = this.launch()
  }

  /** SIGSTOP for `ms`, then SIGCONT: a zombie that comes back after the group moved on. */
  async pause(ms: number): Promise<void> {
    this.current.kill('SIGSTOP')
    await new Promise((resolve) => setTimeout(resolve, ms))
    this.current.kill('SIGCONT')
  }

  /** SIGTERM and wait; resolves with the exit code (0 for a graceful stop). */
  async stop(): Promise<number | null> {
    this.stopped = true
    const last = this.current
    this.planned.add(last)
    last.kill('SIGCONT')
    last.kill('SIGTERM')
    return last.exited
  }

  /** Everything all incarnations printed, in order. */
  output(): string {
    return this.history.map((process) => process.output.join('')).join('\n----- restarted -----\n')
  }

  private launch(): SluiceProcess {
    const process = this.start()
    this.history.push(process)
    void process.exited.then((code) => {
      if (this.planned.has(process) || this.stopped || process !== this.current) return
      this.unexpected.push({ name: this.name, code, output: process.output.join('').slice(-4000) })
      this.current = this.launch()
    })
    return process
  }
}
