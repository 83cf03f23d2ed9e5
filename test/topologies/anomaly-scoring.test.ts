import { describe, expect, test } from 'vitest'
import {
  amountRule,
  assess,
  combineScores,
  DEFAULT_SCORING,
  distanceRule,
  emptyProfile,
  emptyStats,
  extremeAmountRule,
  haversineKm,
  learn,
  levelOf,
  ramp,
  stddev,
  transactionsInWindow,
  updateStats,
  variance,
  velocityRule,
  type UserProfile,
} from '../../topologies/anomaly-scoring.js'
import { HOME, normalHistory, START, tx } from './fixtures.js'

/** The profile after learning the transactions as the processor does. */
function profileOf(history = normalHistory(20)): UserProfile {
  let profile = emptyProfile()
  for (const t of history) profile = learn(profile, t, assess(profile, t))
  return profile
}

describe('statistics and geometry', () => {
  test('Welford matches the two-pass mean and sample variance', () => {
    const xs = [3, 7, 7, 19, 24, 1.5]
    const stats = xs.reduce(updateStats, emptyStats())
    const mean = xs.reduce((a, b) => a + b) / xs.length
    const sampleVar = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)
    expect(stats.n).toBe(6)
    expect(stats.mean).toBeCloseTo(mean, 12)
    expect(variance(stats)).toBeCloseTo(sampleVar, 12)
    expect(stddev(updateStats(emptyStats(), 5))).toBe(0)
  })

  test('haversine distances', () => {
    expect(haversineKm(HOME, HOME)).toBe(0)
    // New York -> Los Angeles is about 3936 km.
    expect(haversineKm({ lat: 40.7128, long: -74.006 }, { lat: 34.0522, long: -118.2437 })).toBeGreaterThan(3920)
    expect(haversineKm({ lat: 40.7128, long: -74.006 }, { lat: 34.0522, long: -118.2437 })).toBeLessThan(3950)
    // One degree of latitude is about 111 km.
    expect(haversineKm({ lat: 0, long: 0 }, { lat: 1, long: 0 })).toBeCloseTo(111.2, 0)
  })

  test('ramp, noisy-or and levels', () => {
    expect([ramp(1, 2, 4), ramp(3, 2, 4), ramp(9, 2, 4)]).toEqual([0, 0.5, 1])
    expect(combineScores([])).toBe(0)
    expect(combineScores([0.5, 0.5])).toBeCloseTo(0.75)
    expect(combineScores([1, 0.2])).toBe(1)
    expect([levelOf(0.49), levelOf(0.5), levelOf(0.8), levelOf(0.95)]).toEqual([null, 'LOW', 'MEDIUM', 'HIGH'])
  })
})

describe('amount rule', () => {
  const profile = profileOf()

  test('is silent on the usual amounts', () => {
    for (const amt of [30, 50, 80, 120]) expect(amountRule(profile, amt, 'grocery_pos')).toBeUndefined()
  })

  test('scores a spike against the user history, with its numbers', () => {
    const reason = amountRule(profile, 600, 'grocery_pos')
    expect(reason).toMatchObject({ rule: 'amount', score: 1, history: 20 })
    if (reason?.rule !== 'amount') throw new Error('expected an amount reason')
    expect(reason.typicalAmount).toBeGreaterThan(40)
    expect(reason.typicalAmount).toBeLessThan(60)
    expect(reason.ratio).toBeGreaterThan(10)
    expect(reason.zScore).toBeGreaterThan(DEFAULT_SCORING.amount.zFull)
    expect(reason.message).toMatch(/x the user's typical/)
  })

  test('scores higher the larger the spike', () => {
    const scores = [150, 200, 300, 1000].map((amt) => amountRule(profile, amt, 'grocery_pos')?.score ?? 0)
    for (let i = 1; i < scores.length; i++) expect(scores[i]).toBeGreaterThanOrEqual(scores[i - 1])
    expect(scores[3]).toBe(1)
  })

  test('needs history: silent before minHistory transactions', () => {
    const young = profileOf(normalHistory(DEFAULT_SCORING.minHistory - 1))
    expect(amountRule(young, 10_000, 'grocery_pos')).toBeUndefined()
  })

  test('judges a category by its own amounts once it has some', () => {
    const travel = normalHistory(40).map((t, i) => (i % 2 === 0 ? { ...t, category: 'travel', amt: t.amt * 20 } : t))
    const mixed = profileOf(travel)
    expect(amountRule(mixed, 1000, 'travel')).toBeUndefined()
    expect(amountRule(mixed, 1000, 'grocery_pos')?.score).toBeGreaterThanOrEqual(DEFAULT_SCORING.thresholds.low)
  })
})

describe('extreme amount rule', () => {
  test('fires at the absolute threshold, whatever the history', () => {
    expect(extremeAmountRule(emptyProfile(), DEFAULT_SCORING.extremeAmount - 1)).toBeUndefined()
    expect(extremeAmountRule(emptyProfile(), DEFAULT_SCORING.extremeAmount)).toMatchObject({ rule: 'extreme_amount', score: 1, history: 0 })
  })
})

describe('velocity rule', () => {
  test('counts transactions within the window, this one included', () => {
    expect(transactionsInWindow([], START, 600)).toBe(1)
    expect(transactionsInWindow([START - 700, START - 500, START - 10], START, 600)).toBe(3)
    expect(transactionsInWindow([START - 200, START - 100, START - 10], START, 180)).toBe(3)
  })

  test('is silent on a single transaction and scores a burst', () => {
    const base = profileOf()
    const at = (times: number[]): UserProfile => ({ ...base, recent: times })
    expect(velocityRule(at([]), START)).toBeUndefined()
    expect(velocityRule(at([START - 3600]), START)).toBeUndefined()
    const burst = velocityRule(at([START - 150, START - 120, START - 60]), START)
    expect(burst).toMatchObject({ rule: 'velocity', count: 4, windowSeconds: 180, score: 1 })
    expect(velocityRule(at([START - 90, START - 45]), START)).toMatchObject({ count: 3, score: 0.5 })
    // Two within the window is ordinary for a busy card holder.
    expect(velocityRule(at([START - 30]), START)).toBeUndefined()
  })
})

describe('distance rule', () => {
  const profile = profileOf()

  test('is silent near home', () => {
    expect(distanceRule(profile, tx({ merch_lat: HOME.lat + 0.5, merch_long: HOME.long - 0.5 }))).toBeUndefined()
  })

  test('scores a merchant hundreds of km away', () => {
    // Philadelphia area -> Chicago, about 1000 km.
    const reason = distanceRule(profile, tx({ merch_lat: 41.88, merch_long: -87.63 }))
    expect(reason).toMatchObject({ rule: 'distance', score: 1 })
    if (reason?.rule !== 'distance') throw new Error('expected a distance reason')
    expect(reason.km).toBeGreaterThan(900)
    expect(reason.fromHomeKm).toBeGreaterThan(900)
  })

  test('measures from the nearer of home and the usual merchants', () => {
    const moved: UserProfile = { ...profile, usualLocation: { lat: 41.8, long: -87.6, n: 30 } }
    expect(distanceRule(moved, tx({ merch_lat: 41.88, merch_long: -87.63 }))).toBeUndefined()
  })
})

describe('assess and learn', () => {
  test('no alert in the first transactions unless the amount alone is extreme', () => {
    const fresh = emptyProfile()
    expect(assess(fresh, tx({ amt: 900, merch_lat: 34, merch_long: -118 }))).toMatchObject({ level: null, reasons: [] })
    const extreme = assess(fresh, tx({ amt: 9000 }))
    expect(extreme.level).toBe('HIGH')
    expect(extreme.reasons.map((r) => r.rule)).toEqual(['extreme_amount'])
  })

  test('combines rules: two weak signals make a stronger one', () => {
    const profile = profileOf()
    const weakFar = tx({ merch_lat: HOME.lat + 1.5, merch_long: HOME.long })
    const onlyFar = assess(profile, weakFar)
    const farAndLarge = assess(profile, { ...weakFar, amt: 190 })
    expect(onlyFar.level).toBeNull()
    expect(farAndLarge.level).not.toBeNull()
    expect(farAndLarge.score).toBeGreaterThan(onlyFar.score)
    expect(farAndLarge.reasons.map((r) => r.rule).sort()).toEqual(['amount', 'distance'])
  })

  test('an alerted transaction counts for velocity but does not teach amount or location', () => {
    const profile = profileOf()
    const spike = tx({ amt: 5000, unix_time: profile.lastUnixTime + 3600 })
    const assessment = assess(profile, spike)
    expect(assessment.level).not.toBeNull()
    const after = learn(profile, spike, assessment)
    expect(after.count).toBe(profile.count + 1)
    expect(after.amount).toEqual(profile.amount)
    expect(after.usualLocation).toEqual(profile.usualLocation)
    expect(after.recent).toContain(spike.unix_time)
    expect(after.lastTransNums.at(-1)).toBe(spike.trans_num)
  })

  test('learn keeps only the velocity window and leaves its input alone', () => {
    const profile = profileOf()
    const frozen = JSON.stringify(profile)
    const t = tx({ unix_time: profile.lastUnixTime + 10 * 86_400 })
    const after = learn(profile, t, assess(profile, t))
    expect(JSON.stringify(profile)).toBe(frozen)
    expect(after.recent).toEqual([t.unix_time])
    expect(after.amount.n).toBe(profile.amount.n + 1)
  })
})
