import './kafkajs-corrections.js' // corrects kafkajs before it loads
import type { Consumer, ConsumerConfig, EachBatchPayload, Kafka } from 'kafkajs'
import { messageOf } from '../../errors.js'

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
 * The session also keeps a membership lease: the group cannot have given this member's
 * partitions to another before a session timeout has passed since the coordinator last
 * confirmed it (a heartbeat, a join or an offset commit). A member that was paused (SIGSTOP,
 * a long GC) finds its lease expired and must confirm its membership before it sends anything
 * for its tasks, or it would write stale state after the new owner's.
 */
export class GroupSession {
  readonly consumer: Consumer
  private endedValue = false
  /** While start() runs: a crash there (the first join failed) is start()'s failure, not the handlers'. */
  private starting = false
  private startFailure: unknown
  private confirmedAtMs = 0
  private heartbeat: (() => Promise<void>) | undefined
  private readonly leaseMs: number

  constructor(
    kafka: Kafka,
    config: ConsumerConfig,
    private readonly handlers: GroupSessionHandlers,
  ) {
    this.leaseMs = Math.floor(config.sessionTimeout ?? 30_000) / 2
    this.consumer = kafka.consumer({ ...config, retry: { ...config.retry, restartOnFailure: async () => false } })
    const { events } = this.consumer
    this.consumer.on(events.HEARTBEAT, () => this.confirm())
    this.consumer.on(events.COMMIT_OFFSETS, () => this.confirm())
    this.consumer.on(events.REBALANCING, () => {
      if (this.endedValue) return
      // Until the new assignment is known, nothing more may be sent on the old one's behalf.
      this.confirmedAtMs = 0
      this.handlers.onRebalancing(this)
    })
    this.consumer.on(events.GROUP_JOIN, (event) => {
      if (this.endedValue) return
      this.confirm()
      this.handlers.onJoin(event.payload.memberAssignment, this)
    })
    this.consumer.on(events.END_BATCH_PROCESS, ({ payload }) => {
      if (this.endedValue || payload.batchSize !== 0) return
      this.handlers.onEmptyBatch(payload.topic, payload.partition, payload.lastOffset, this)
    })
    this.consumer.on(events.CRASH, (event) => {
      if (this.endedValue) return
      this.confirmedAtMs = 0
      if (this.starting) this.startFailure ??= event.payload.error ?? new Error('the consumer crashed')
      else this.handlers.onCrash(event.payload.error, this)
    })
  }

  get ended(): boolean {
    return this.endedValue
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
        this.heartbeat = payload.heartbeat
        await this.handlers.onBatch(payload, this)
      },
    })
  }

  /**
   * Resolves when the group is known to still count this member in its generation; throws
   * MembershipLostError otherwise (also while a rebalance is under way: the uncommitted work
   * is redone after the join).
   */
  async confirmMembership(): Promise<void> {
    if (this.endedValue) throw new MembershipLostError('its group session has ended')
    if (Date.now() - this.confirmedAtMs < this.leaseMs) return
    const heartbeat = this.heartbeat
    if (!heartbeat) throw new MembershipLostError(`no confirmation from the group for ${Date.now() - this.confirmedAtMs} ms`)
    try {
      await heartbeat()
    } catch (error) {
      this.confirmedAtMs = 0
      throw new MembershipLostError(messageOf(error))
    }
    if (Date.now() - this.confirmedAtMs >= this.leaseMs) throw new MembershipLostError('the group did not confirm it')
  }

  /** Ends the session: leaves the group and disconnects, never throwing (the broker may be gone). */
  async stop(): Promise<void> {
    if (this.endedValue) return
    this.endedValue = true
    this.confirmedAtMs = 0
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_TIMEOUT_MS)))
    await Promise.race([this.consumer.disconnect().catch(() => undefined), timeout])
    clearTimeout(timer)
  }

  private confirm(): void {
    if (!this.endedValue) this.confirmedAtMs = Date.now()
  }
}
