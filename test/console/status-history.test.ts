// The console's charts: rates per second between samples, commit latency as the mean of the
// commits in the interval, and counters that go back (tasks moved away) as no records.
import { describe, expect, test } from 'vitest'
import { StatusHistory } from '../../src/console/status-history.js'
import type { ApplicationStatus, StatusTotals } from '../../src/runtime/status/application-status.js'

function status(nowMs: number, totals: Partial<StatusTotals>, nodeRecords: { [node: string]: number } = {}): ApplicationStatus {
  return {
    applicationId: 'app',
    state: 'RUNNING',
    guarantee: 'at_least_once',
    rebalancing: false,
    instance: { clientId: 'app', host: 'h', pid: 1 },
    startedAtMs: 0,
    nowMs,
    tasks: [],
    nodeRecords,
    totals: { recordsProcessed: 0, recordsProduced: 0, lateRecordsDropped: 0, recordsSkipped: 0, deadLetters: 0, duplicatesDropped: 0, commits: 0, commitSeconds: 0, rebalances: 0, lag: 0, ...totals },
  }
}

describe('StatusHistory', () => {
  test('rates per second, mean commit latency, lag as a level', () => {
    const statuses = [
      status(1000, {}, { source: 0 }),
      status(3000, { recordsProcessed: 400, recordsProduced: 100, commits: 2, commitSeconds: 0.05, lag: 7, lateRecordsDropped: 4, deadLetters: 2 }, { source: 400, sink: 100 }),
      status(4000, { recordsProcessed: 400, recordsProduced: 100, commits: 2, commitSeconds: 0.05, lag: 0 }, { source: 400, sink: 100 }),
    ]
    let next = 0
    const history = new StatusHistory(() => statuses[next++])
    history.start()
    history.stop()
    history.sample()
    expect(history.list()).toEqual([{ atMs: 3000, recordsInPerSecond: 200, recordsOutPerSecond: 50, commitLatencyMs: 25, lag: 7, lateDropsPerSecond: 2, deadLettersPerSecond: 1 }])
    expect(history.nodeRates()).toEqual({ source: 200, sink: 50 })
    history.sample()
    expect(history.list()[1]).toEqual({ atMs: 4000, recordsInPerSecond: 0, recordsOutPerSecond: 0, commitLatencyMs: null, lag: 0, lateDropsPerSecond: 0, deadLettersPerSecond: 0 })
  })

  test('a counter that went back (its task moved to another instance) counts as no records, never negative', () => {
    const statuses = [status(0, {}, { node: 500 }), status(1000, {}, { node: 20 })]
    let next = 0
    const history = new StatusHistory(() => statuses[next++])
    history.start()
    history.stop()
    history.sample()
    expect(history.nodeRates()).toEqual({ node: 0 })
  })

  test('keeps ten minutes of samples', () => {
    let now = 0
    const history = new StatusHistory(() => status((now += 1000), { recordsProcessed: now }))
    history.start()
    history.stop()
    for (let i = 0; i < 700; i++) history.sample()
    const samples = history.list()
    expect(samples.length).toBe(601)
    expect(samples[samples.length - 1].atMs - samples[0].atMs).toBe(600_000)
    expect(samples.every((sample) => sample.recordsInPerSecond === 1000)).toBe(true)
  })
})
