import { afterEach, describe, expect, test } from 'vitest'
import { MembershipLease } from '../../../src/runtime/kafka/membership-lease.js'

/** Blocks the event loop, as a SIGSTOP or a long GC pause does. */
function stall(ms: number): void {
  const until = Date.now() + ms
  while (Date.now() < until) {
    // busy
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

describe('membership lease', () => {
  let lease: MembershipLease | undefined
  afterEach(() => lease?.close())

  test('a confirmation holds for the lease time, then runs out', async () => {
    // Long enough that a busy machine's late timers do not look like a stall (1 s here).
    lease = new MembershipLease(2400)
    expect(lease.fresh).toBe(false)
    lease.confirmedLately()
    expect(lease.fresh).toBe(true)
    await sleep(2600)
    expect(lease.fresh).toBe(false)
  })

  test('an answer that waited through a stall renews nothing; a request sent after it does', () => {
    lease = new MembershipLease(10_000)
    lease.confirmedLately()
    const sentBeforeStall = Date.now()
    stall(1200)
    // The heartbeat's answer is handled only now, right after the stall.
    lease.confirmedLately()
    expect(lease.fresh).toBe(false)
    lease.confirmedBy(sentBeforeStall)
    expect(lease.fresh).toBe(false)
    lease.confirmedBy(Date.now())
    expect(lease.fresh).toBe(true)
  })

  test('revoked (a rebalance began): not fresh until confirmed again', () => {
    lease = new MembershipLease(10_000)
    lease.confirmedLately()
    lease.revoke()
    expect(lease.fresh).toBe(false)
    lease.confirmedBy(Date.now())
    expect(lease.fresh).toBe(true)
  })
})
