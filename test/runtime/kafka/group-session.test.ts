import { EventEmitter } from 'node:events'
import { describe, expect, test } from 'vitest'
import type { Kafka } from 'sluice-kafkajs'
import { GroupSession, MembershipLostError, type GroupSessionHandlers } from '../../../src/runtime/kafka/group-session.js'

/** Blocks the event loop, as a SIGSTOP or a long GC pause does. */
function stall(ms: number): void {
  const until = Date.now() + ms
  while (Date.now() < until) {
    // busy
  }
}

const EVENTS = { HEARTBEAT: 'heartbeat', REBALANCING: 'rebalancing', GROUP_JOIN: 'join', END_BATCH_PROCESS: 'end', CRASH: 'crash' }

/**
 * A kafkajs consumer reduced to what a group session uses: events, run() with eachBatch, and a
 * batch heartbeat whose answer the test decides (the group still counts the member, or not).
 */
function fakeKafka(groupKeepsMember: () => boolean) {
  const consumer = Object.assign(new EventEmitter(), {
    events: EVENTS,
    eachBatch: undefined as ((payload: unknown) => Promise<void>) | undefined,
    connect: async () => undefined,
    subscribe: async () => undefined,
    disconnect: async () => undefined,
    commitOffsets: async () => undefined,
    run: async ({ eachBatch }: { eachBatch: (payload: unknown) => Promise<void> }) => {
      consumer.eachBatch = eachBatch
    },
  })
  const heartbeat = async (): Promise<void> => {
    await new Promise((resolve) => setTimeout(resolve, 20))
    if (groupKeepsMember()) consumer.emit(EVENTS.HEARTBEAT, { payload: {} })
  }
  return { kafka: { consumer: () => consumer } as unknown as Kafka, consumer, batch: () => consumer.eachBatch?.({ heartbeat }) }
}

describe('a group session confirming its membership', () => {
  test('after a stall with nothing committed since the join, a heartbeat sent afterwards confirms it', async () => {
    let confirmed: Promise<void> | undefined
    const handlers: GroupSessionHandlers = {
      // The commit happens inside a batch, as the runtime's do: only the batch's heartbeat can confirm.
      onBatch: async (_payload, session) => {
        confirmed = session.confirmMembership()
        await confirmed
      },
      onJoin: () => undefined,
      onRebalancing: () => undefined,
      onEmptyBatch: () => undefined,
      onCrash: () => undefined,
    }
    const { kafka, consumer, batch } = fakeKafka(() => true)
    const session = new GroupSession(kafka, { groupId: 'g', sessionTimeout: 3000, heartbeatInterval: 300 }, handlers)
    try {
      await session.start([{ topics: ['t'], fromBeginning: true }])
      consumer.emit(EVENTS.GROUP_JOIN, { payload: { memberAssignment: { t: [0] } } })
      stall(1200)
      await batch()
      await expect(confirmed).resolves.toBeUndefined()
    } finally {
      await session.stop()
    }
  })

  test('a member the group no longer counts gets no confirmation and is told so', async () => {
    let confirmed: Promise<void> | undefined
    const handlers: GroupSessionHandlers = {
      onBatch: async (_payload, session) => {
        confirmed = session.confirmMembership()
        await confirmed.catch(() => undefined)
      },
      onJoin: () => undefined,
      onRebalancing: () => undefined,
      onEmptyBatch: () => undefined,
      onCrash: () => undefined,
    }
    const { kafka, consumer, batch } = fakeKafka(() => false)
    const session = new GroupSession(kafka, { groupId: 'g', sessionTimeout: 3000, heartbeatInterval: 300 }, handlers)
    try {
      await session.start([{ topics: ['t'], fromBeginning: true }])
      consumer.emit(EVENTS.GROUP_JOIN, { payload: { memberAssignment: { t: [0] } } })
      stall(1200)
      await batch()
      await expect(confirmed).rejects.toThrow(MembershipLostError)
    } finally {
      await session.stop()
    }
  })
})
