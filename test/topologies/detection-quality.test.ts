import { expect, test } from 'vitest'
import { evaluateUserAnomaly, TARGETS } from '../../bench/anomaly-evaluation.js'

// A shortened `npm run evaluate`: generated transactions through the topology, against the labels.
test('user-anomaly meets the detection targets on generated transactions', async () => {
  const result = await evaluateUserAnomaly({ seed: 7, users: 300, count: 30_000 })
  expect(result.transactions).toBe(30_000)
  expect(result.frauds).toBeGreaterThan(200)
  expect(result.precision).toBeGreaterThanOrEqual(TARGETS.precision)
  expect(result.recall).toBeGreaterThanOrEqual(TARGETS.recall)
  expect(result.alertRate).toBeLessThanOrEqual(TARGETS.alertRate)
  // Far merchants and amount spikes are anomalous on their own; a burst's first two transactions are not.
  expect(result.recallPerKind.far_merchant.value).toBeGreaterThanOrEqual(0.95)
  expect(result.recallPerKind.amount_spike.value).toBeGreaterThanOrEqual(0.9)
  expect(result.recallPerKind.burst.value).toBeGreaterThanOrEqual(0.5)
})
