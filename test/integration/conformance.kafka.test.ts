// `npm run conformance` as a test: every conformance case on Sluice and on Kafka Streams 4.4
// (conformance/kafka-streams, built with Maven on first use) over the same input on the broker;
// their final results equal, but for the differences a case declares known (conformance/run.ts).
import { beforeAll, expect, test } from 'vitest'
import type { ConformanceCase } from '../../conformance/case.js'
import { CASES } from '../../conformance/cases.js'
import { describeDifference } from '../../conformance/compare.js'
import { buildKafkaStreams } from '../../conformance/kafka-streams.js'
import { failed, runCase, type RunOptions } from '../../conformance/run-case.js'

const runId = `conformance-${Date.now().toString(36)}`
let classpath: string

beforeAll(() => {
  classpath = buildKafkaStreams().classpath
}, 600_000)

const run = (conformanceCase: ConformanceCase, options: Partial<RunOptions> = {}) => runCase(conformanceCase, { runId, seed: 1, classpath, keep: false, perturb: {}, tamperSluice: false, ...options })
const named = (name: string): ConformanceCase => CASES.find((candidate) => candidate.name === name) as ConformanceCase

for (const conformanceCase of CASES) {
  test(`${conformanceCase.name}: Sluice's final results equal Kafka Streams'`, async () => {
    const outcome = await run(conformanceCase)
    expect(outcome.sluice).toBeGreaterThan(0)
    expect(outcome.unexpected.map(describeDifference)).toEqual([])
    // A declared known difference that no longer shows is out of date.
    expect(outcome.stale).toEqual([])
  })
}

test('the comparison fails on one altered Sluice result, and on a grace period 1 ms shorter', async () => {
  const tampered = await run(named('table-table-inner-join'), { runId: `${runId}-tampered`, tamperSluice: true })
  expect(tampered.unexpected).toHaveLength(1)
  expect(failed(tampered, false)).toBe(true)
  // Only the records exactly at the lateness boundary tell a grace of 2000 ms from one of 1999 ms.
  const perturbed = await run(named('sliding-count'), { runId: `${runId}-perturbed`, perturb: { graceMs: 1_999 } })
  expect(perturbed.unexpected.length).toBeGreaterThan(0)
  expect(failed(perturbed, false)).toBe(true)
})
