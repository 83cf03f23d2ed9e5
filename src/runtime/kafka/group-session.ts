import './kafkajs/kafkajs-corrections.js' // corrects kafkajs before it loads
import type { Consumer, ConsumerConfig, EachBatchPayload, Kafka } from 'sluice-kafkajs'
import { messageOf } from '../../errors.js'
import { MembershipLease } from './membership-lease.js'

/** What a session reports to the application; nothing is reported once the session has ended. */
export interface GroupSessionHandlers {
  onBatch(payload: EachBatchPayload, session: GroupSession): Promise<void>
  /** A join completed with this member's new assignment (kafkajs rejoins on its own within a session). */
  onJoin(assignment: { [topic: string]: number[] }, session: GroupSession): void
  /** kafkajs saw a rebalance begin and is about to rejoin. */
  onRebalancing(session: GroupSession): void
  /** A fetched batch held no record for eachBatch (transaction markers, aborted records). */
  onEmptyBatch(topic: string, partition: number, lastOffset: string, session: GroupSession): void
  /** The consumer stopped on an error: the application decides how to rejoin. */
  onCrash(error: unknown, session: GroupSession): void
}

/** The group no longer knows this member, or its generation is over: it must not write for its tasks. */
export class MembershipLostError extends Error {
  constructor(reason: string) {
    super(`this member may no longer own its tasks: ${reason}`)
    this.name = 'MembershipLostError'
  }
}

const STOP_TIMEOUT_MS = 30_000

/**
 * One membership of the application's consumer group: one kafkajs consumer, from its first
 * join to stop(). A failure the application must recover from ends the session and starts a
 * new one with a new consumer, so that nothing of the old one (its restart timer, a join
 * completing late, a fetch loop) can reach the new tasks: kafkajs's own restart after a crash
 * is switched off, because it could set its timer after stop() had cleared it and run two
 * fetch loops into one process.
 *
 * The session also keeps a membership lease (see MembershipLease): a member that was paused
 * (SIGSTOP, a long GC) finds it void and must confirm its membership before it sends anything
 * for its tasks, or it would write stale state after the new owner's.
 */
export class GroupSession {
  readonly consumer: Consumer
  private endedValue = false
  /** While start() runs: a crash there (the first join failed) is start()'s failure, not the handlers'. */
  private starting = false
  private startFailure: unknown
  private readonly lease: MembershipLease
  private joinCount = 0
  /** The offsets this session committed last: committing them again is a check of membership that changes nothing. */
  private lastCommitted: { topic: string; partition: number; offset: string }[] = []
  /** The heartbeat of the batch being processed: kafkajs heartbeats only between batches otherwise. */
  private batchHeartbeat: (() => Promise<void>) | undefined
  private readonly heartbeatIntervalMs: number

  constructor(
    kafka: Kafka,
    config: ConsumerConfig,
    private readonly handlers: GroupSessionHandlers,
  ) {
    this.lease = new MembershipLease(Math.floor((config.sessionTimeout ?? 30_000) / 2))
    this.heartbeatIntervalMs = config.heartbeatInterval ?? 3000
    this.consumer = kafka.consumer({ ...config, retry: { ...config.retry, restartOnFailure: async () => false } })
    const { events } = this.consumer
    this.consumer.on(events.HEARTBEAT, () => this.confirm())
    this.consumer.on(events.REBALANCING, () => {
      if (this.endedValue) return
      // Until the new assignment is known, nothing more may be sent on the old one's behalf.
      this.lease.revoke()
      this.handlers.onRebalancing(this)
    })
    this.consumer.on(events.GROUP_JOIN, (event) => {
      if (this.endedValue) return
      this.joinCount++
      this.lastCommitted = []
      this.confirm()
      this.handlers.onJoin(event.payload.memberAssignment, this)
    })
    this.consumer.on(events.END_BATCH_PROCESS, ({ payload }) => {
      if (this.endedValue || payload.batchSize !== 0) return
      this.handlers.onEmptyBatch(payload.topic, payload.partition, payload.lastOffset, this)
    })
    this.consumer.on(events.CRASH, (event) => {
      if (this.endedValue) return
      this.lease.revoke()
      if (this.starting) this.startFailure ??= event.payload.error ?? new Error('the consumer crashed')
      else this.handlers.onCrash(event.payload.error, this)
    })
  }

  get ended(): boolean {
    return this.endedValue
  }

  /** How many joins this session has completed: work begun under one join must not be committed under the next. */
  get joins(): number {
    return this.joinCount
  }

  /**
   * Connects, subscribes and joins; resolves once the consumer runs. kafkajs's run() resolves
   * even when the first join failed (it reports that as a crash): that rejects here instead.
   */
  async start(subscriptions: readonly { topics: string[]; fromBeginning: boolean }[]): Promise<void> {
    this.starting = true
    try {
      await this.consumer.connect()
      for (const subscription of subscriptions) if (subscription.topics.length > 0) await this.consumer.subscribe(subscription)
      await this.run()
    } finally {
      this.starting = false
    }
    if (this.startFailure !== undefined) throw this.startFailure
  }

  private async run(): Promise<void> {
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async (payload) => {
        if (this.endedValue) return
        this.batchHeartbeat = payload.heartbeat
        try {
          await this.handlers.onBatch(payload, this)
        } finally {
          this.batchHeartbeat = undefined
        }
      },
    })
  }

  /**
   * Commits consumed offsets with this member's generation (the group refuses them from a
   * member it no longer counts); a success renews the membership lease.
   */
  async commitOffsets(offsets: { topic: string; partition: number; offset: string }[]): Promise<void> {
    const sentAtMs = Date.now()
    await this.consumer.commitOffsets(offsets)
    this.lease.confirmedBy(sentAtMs)
    this.lastCommitted = offsets
  }

  /**
   * Resolves when the group is known to still count this member in its generation; throws
   * MembershipLostError otherwise (also while a rebalance is under way: the uncommitted work
   * is redone after the join). When the lease has run out, or a stall voided it, the last
   * committed offsets are committed again: a request sent now, answered only for a member.
   */
  async confirmMembership(): Promise<void> {
    if (this.endedValue) throw new MembershipLostError('its group session has ended')
    if (this.lease.fresh) return
    // Nothing committed since the join to commit again: a heartbeat sent from now on confirms as well.
    if (this.lastCommitted.length === 0) {
      if (await this.heartbeatConfirms()) return
      throw new MembershipLostError('no confirmation from the group since it joined or paused')
    }
    try {
      await this.commitOffsets(this.lastCommitted)
    } catch (error) {
      this.lease.revoke()
      throw new MembershipLostError(messageOf(error))
    }
    if (!this.lease.fresh) throw new MembershipLostError('the process stalled again while confirming')
  }

  /**
   * Waits for a heartbeat sent after now to renew the lease (kafkajs's own between batches, or
   * the current batch's, which kafkajs sends once its interval has passed): two heartbeat
   * intervals at most. A member the group dropped gets an error answer instead, and no renewal.
   */
  private async heartbeatConfirms(): Promise<boolean> {
    const deadline = Date.now() + 2 * this.heartbeatIntervalMs + 500
    while (!this.endedValue && Date.now() < deadline) {
      await this.batchHeartbeat?.().catch(() => undefined)
      if (this.lease.fresh) return true
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return this.lease.fresh
  }

  /** Ends the session: leaves the group and disconnects, never throwing (the broker may be gone). */
  async stop(): Promise<void> {
    if (this.endedValue) return
    this.endedValue = true
    this.lease.revoke()
    this.lease.close()
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_TIMEOUT_MS)))
    await Promise.race([this.consumer.disconnect().catch(() => undefined), timeout])
    clearTimeout(timer)
  }

  private confirm(): void {
    if (!this.endedValue) this.lease.confirmedLately()
  }
}
