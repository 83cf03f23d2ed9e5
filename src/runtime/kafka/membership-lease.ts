/** How often the lease looks at the event loop, to notice that the process was stopped or stalled. */
const TICK_MS = 200

/**
 * How long this member may trust that its group still counts it in: the group cannot have
 * given its partitions to another before a session timeout has passed since the coordinator
 * last heard from it. A confirmation counts from the time its request was *sent*; kafkajs
 * reports heartbeats and commits only when their answers arrive, and after a pause (SIGSTOP,
 * a long GC) an answer that waited in the socket the whole time would look fresh. So a stall of
 * the event loop (a gap between two ticks) voids the lease, and only a confirmation whose
 * request went out after the stall renews it.
 */
export class MembershipLease {
  private confirmedAtMs = 0
  private lastTickMs = Date.now()
  private lastStallMs = 0
  private readonly stallMs: number
  private readonly watchdog: NodeJS.Timeout

  constructor(private readonly leaseMs: number) {
    this.stallMs = Math.min(1000, leaseMs / 2)
    this.watchdog = setInterval(() => this.tick(), TICK_MS)
    this.watchdog.unref()
  }

  /** Whether the lease holds now. */
  get fresh(): boolean {
    this.tick()
    return this.confirmedAtMs >= this.lastStallMs && Date.now() - this.confirmedAtMs < this.leaseMs
  }

  /** A confirmation reported by kafkajs (a heartbeat, a join, a commit), its request sent at an unknown time. */
  confirmedLately(): void {
    this.tick()
    if (Date.now() - this.lastStallMs > this.stallMs) this.confirmedAtMs = Date.now()
  }

  /** A confirmation whose request this process sent at `sentAtMs`; void if a stall came after it. */
  confirmedBy(sentAtMs: number): void {
    this.tick()
    if (sentAtMs >= this.lastStallMs) this.confirmedAtMs = Math.max(this.confirmedAtMs, sentAtMs)
  }

  /** Nothing confirms the membership any more (a rebalance began, the consumer crashed). */
  revoke(): void {
    this.confirmedAtMs = 0
  }

  close(): void {
    clearInterval(this.watchdog)
  }

  private tick(): void {
    const now = Date.now()
    if (now - this.lastTickMs > this.stallMs) this.lastStallMs = now
    this.lastTickMs = now
  }
}
