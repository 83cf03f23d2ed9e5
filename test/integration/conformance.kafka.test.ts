// `npm run conformance` as a test: every conformance case on Sluice and on Kafka Streams 4.4
// (conformance/kafka-streams, built with Maven on first use) over the same input on the broker;
// their final results equal, but for the differences a case declares known (conformance/run.ts).
import { beforeAll, expect, test } from 'vitest'
import { CASES } from '../../conformance/cases.js'
import { describeDifference } from '../../conformance/compare.js'
import { buildKafkaStreams } from '../../conformance/kafka-streams.js'
import { runCase } from '../../conformance/run-case.js'

const runId = `conformance-${Date.now().toString(36)}`
let classpath: string

beforeAll(() => {
  classpath = buildKafkaStreams().classpath
}, 600_000)

for (const conformanceCase of CASES) {
  test(`${conformanceCase.name}: Sluice's final results equal Kafka Streams'`, async () => {
    const outcome = await runCase(conformanceCase, { runId, seed: 1, classpath, keep: false, perturb: {}, tamperSluice: false })
    expect(outcome.sluice).toBeGreaterThan(0)
    expect(outcome.unexpected.map(describeDifference)).toEqual([])
    // A declared known difference that no longer shows is out of date.
    expect(outcome.stale).toEqual([])
  })
}
