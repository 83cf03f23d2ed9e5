import type { EachBatchPayload, Kafka } from 'sluice-kafkajs'
import { messageOf } from '../errors.js'
import { GroupSession, type GroupSessionHandlers } from '../runtime/kafka/group-session.js'

export interface SinkGroupHandlers {
  onBatch(payload: EachBatchPayload, session: GroupSession): Promise<void>
  /** A join completed (the sink may reload where it stands). */
  onJoin?(session: GroupSession): void
}

/**
 * A sink's membership of its consumer group (committed records only), kept up: when the
 * consumer stops on an error (the broker went away, the group forgot this member) it joins
 * again with a new consumer, pausing longer each time, until it works or the sink stops. Only
 * the current session's events reach the handlers.
 */
export class SinkGroup {
  private current: GroupSession | undefined
  private rejoining = false

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
    private readonly topics: readonly string[],
    private readonly handlers: SinkGroupHandlers,
    private readonly options: { readonly stopping: () => boolean; readonly log: (message: string) => void },
  ) {}

  get session(): GroupSession | undefined {
    return this.current
  }

  /** Joins; rejects when the first join fails (the caller retries). */
  async join(): Promise<void> {
    const handlers: GroupSessionHandlers = {
      onBatch: (payload, session) => (session === this.current ? this.handlers.onBatch(payload, session) : Promise.resolve()),
      onJoin: (_assignment, session) => {
        if (session === this.current) this.handlers.onJoin?.(session)
      },
      onRebalancing: () => undefined,
      onEmptyBatch: () => undefined,
      onCrash: (error, session) => {
        if (session === this.current) void this.rejoin(error)
      },
    }
    const session = new GroupSession(this.kafka, { groupId: this.groupId, readUncommitted: false, maxWaitTimeInMs: 200 }, handlers)
    this.current = session
    try {
      await session.start([{ topics: [...this.topics], fromBeginning: true }])
    } catch (error) {
      await session.stop()
      throw error
    }
  }

  private async rejoin(error: unknown): Promise<void> {
    if (this.rejoining || this.options.stopping()) return
    this.rejoining = true
    this.options.log(`the consumer stopped (${messageOf(error)}); rejoining the group`)
    try {
      for (let pause = 1000; !this.options.stopping(); pause = Math.min(pause * 2, 30_000)) {
        await this.current?.stop()
        if (this.options.stopping()) return
        try {
          await this.join()
          this.options.log('rejoined the group')
          return
        } catch (failure) {
          this.options.log(`rejoining failed (${messageOf(failure)}); trying again in ${pause} ms`)
          await new Promise((resolve) => setTimeout(resolve, pause))
        }
      }
    } finally {
      this.rejoining = false
    }
  }

  /** Leaves the group; never throws. */
  async leave(): Promise<void> {
    await this.current?.stop()
  }
}
