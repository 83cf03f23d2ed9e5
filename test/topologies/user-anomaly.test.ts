import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { serdes, type KeyValueStore } from 'sluice'
import { TopologyTestDriver } from 'sluice/testing'
import type { UserProfile } from '../../topologies/anomaly-scoring.js'
import { fraudAlertsTable } from '../../topologies/fraud-alerts-sink.js'
import { transaction, type Transaction } from '../../topologies/schemas.js'
import topology, { fraudAlert, userAnomaly, type FraudAlert } from '../../topologies/user-anomaly.js'
import { DAY, HOME, normalHistory, START, tx } from './fixtures.js'

const CARD = '4000000000000001'

describe('user-anomaly topology', () => {
  let driver: TopologyTestDriver

  beforeEach(async () => {
    driver = await TopologyTestDriver.create(topology) // LevelDB, the default backend
  })
  afterEach(async () => {
    await driver.close()
  })

  async function pipe(transactions: readonly Transaction[]): Promise<FraudAlert[]> {
    const input = driver.createInputTopic('transactions', serdes.string(), transaction)
    const output = driver.createOutputTopic('alerts', serdes.string(), fraudAlert)
    for (const t of transactions) await input.pipeInput(t.cc_num, t, t.unix_time * 1000)
    return output.readKeyValuesToList().map((kv) => kv.value)
  }

  const profiles = () => driver.getKeyValueStore<string, UserProfile>('user-profiles')

  test('a normal history raises no alert', async () => {
    expect(await pipe(normalHistory(30))).toEqual([])
  })

  test('the first transactions raise no alert, however odd, unless the amount is extreme', async () => {
    const odd = [
      tx({ amt: 50, unix_time: START }),
      tx({ amt: 900, unix_time: START + DAY }),
      tx({ amt: 60, unix_time: START + 2 * DAY, merch_lat: 34, merch_long: -118 }),
      tx({ amt: 40, unix_time: START + 2 * DAY + 60 }),
    ]
    expect(await pipe(odd)).toEqual([])
    const alerts = await pipe([tx({ amt: 12_000, unix_time: START + 3 * DAY })])
    expect(alerts).toHaveLength(1)
    expect(alerts[0]).toMatchObject({ level: 'HIGH', history: 4, amt: 12_000 })
    expect(alerts[0].reasons.map((r) => r.rule)).toEqual(['extreme_amount'])
  })

  test('an amount spike alerts with the amount reason', async () => {
    const history = normalHistory(20)
    const spike = tx({ amt: 700, unix_time: history.at(-1)!.unix_time + DAY })
    const alerts = await pipe([...history, spike])
    expect(alerts).toHaveLength(1)
    const [alert] = alerts
    expect(alert).toMatchObject({ trans_num: spike.trans_num, cc_num: CARD, level: 'HIGH', amt: 700, history: 20, unix_time: spike.unix_time })
    expect(alert.reasons[0]).toMatchObject({ rule: 'amount', score: 1 })
    if (alert.reasons[0].rule !== 'amount') throw new Error('expected an amount reason')
    expect(alert.reasons[0].ratio).toBeGreaterThan(10)
    // The alert is keyed by card and stamped with the transaction's event time.
    const [record] = driver.topicContents('alerts')
    expect(record.timestamp).toBe(spike.unix_time * 1000)
  })

  test('a burst: its third transaction reaches the session count, and the two before it are alerted then too', async () => {
    const history = normalHistory(20)
    const t0 = history.at(-1)!.unix_time + DAY
    const burst = [0, 30, 60, 90, 120].map((s) => tx({ amt: 45, unix_time: t0 + s }))
    // Two closely spaced transactions are no burst yet: nothing.
    expect(await pipe([...history, ...burst.slice(0, 2)])).toEqual([])
    const third = await pipe([burst[2] as Transaction])
    // The session's earlier transactions first (they looked ordinary one by one), then the third.
    expect(third.map((a) => a.trans_num)).toEqual(burst.slice(0, 3).map((t) => t.trans_num))
    expect(third.map((a) => a.level)).toEqual(['HIGH', 'HIGH', 'HIGH'])
    expect(third.slice(0, 2).map((a) => a.reasons.map((r) => r.rule))).toEqual([['burst'], ['burst']])
    expect(third[2]?.reasons.map((r) => r.rule)).toEqual(['burst', 'velocity'])
    expect(third[0]).toMatchObject({ amt: 45, unix_time: t0, cc_num: CARD, history: 22 })
    const rest = await pipe(burst.slice(3))
    expect(rest.map((a) => a.trans_num)).toEqual(burst.slice(3).map((t) => t.trans_num))
    expect(rest.map((a) => (a.reasons[0]?.rule === 'burst' ? a.reasons[0].count : 0))).toEqual([4, 5])
    // A transaction more than the gap (60 s) after the last one starts a new session: no burst.
    expect(await pipe([tx({ amt: 45, unix_time: t0 + 120 + 3600 })])).toEqual([])
  })

  test('a far merchant alerts with the distance reason', async () => {
    const history = normalHistory(20)
    const far = tx({ amt: 55, unix_time: history.at(-1)!.unix_time + DAY, merch_lat: 41.88, merch_long: -87.63 })
    const alerts = await pipe([...history, far])
    expect(alerts).toHaveLength(1)
    expect(alerts[0]).toMatchObject({ trans_num: far.trans_num, level: 'HIGH' })
    expect(alerts[0].reasons).toHaveLength(1)
    expect(alerts[0].reasons[0]).toMatchObject({ rule: 'distance', score: 1 })
  })

  test('the profile is kept in the store, and a redelivered transaction is not counted twice', async () => {
    const history = normalHistory(12)
    await pipe(history)
    await pipe([history.at(-1)!])
    const profile = profiles().get(CARD)
    expect(profile).toBeDefined()
    expect(profile!.count).toBe(12)
    expect(profile!.amount.n).toBe(12)
    const meanLog = history.reduce((a, t) => a + Math.log(t.amt), 0) / history.length
    expect(profile!.amount.mean).toBeCloseTo(meanLog, 10)
    expect(profile!.usualLocation!.n).toBe(12)
    expect(Math.abs(profile!.usualLocation!.lat - HOME.lat)).toBeLessThan(0.2)
    expect(profile!.lastTransNums.at(-1)).toBe(history.at(-1)!.trans_num)
    expect(await profiles().approximateNumEntries()).toBeGreaterThanOrEqual(1)
    // Every profile change goes to the store's changelog.
    await driver.commit()
    expect(driver.topicContents('user-anomaly-user-profiles-changelog').length).toBeGreaterThan(0)
  })

  test('users are scored against their own history only', async () => {
    const big = normalHistory(10, '4000000000000002').map((t) => ({ ...t, amt: t.amt * 20 }))
    const small = normalHistory(10, '4000000000000003')
    const alerts = await pipe([...big, ...small, tx({ cc_num: '4000000000000002', amt: 900, unix_time: START + 40 * DAY }), tx({ cc_num: '4000000000000003', amt: 900, unix_time: START + 40 * DAY })])
    expect(alerts.map((a) => a.cc_num)).toEqual(['4000000000000003'])
  })
})

describe('user-anomaly state survives a restart', () => {
  test('a new driver on the same state directory continues the profile', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const stateDir = await mkdtemp(join(tmpdir(), 'user-anomaly-'))
    try {
      const history = normalHistory(20)
      const first = await TopologyTestDriver.create(userAnomaly(), { stateDir })
      const input = first.createInputTopic('transactions', serdes.string(), transaction)
      for (const t of history) await input.pipeInput(t.cc_num, t, t.unix_time * 1000)
      await first.close()

      const second = await TopologyTestDriver.create(userAnomaly(), { stateDir })
      try {
        const store = second.getKeyValueStore<string, UserProfile>('user-profiles') as KeyValueStore<string, UserProfile>
        expect(store.get(CARD)?.count).toBe(20)
        const output = second.createOutputTopic('alerts', serdes.string(), fraudAlert)
        const spike = tx({ amt: 800, unix_time: history.at(-1)!.unix_time + DAY })
        await second.createInputTopic('transactions', serdes.string(), transaction).pipeInput(CARD, spike, spike.unix_time * 1000)
        expect(output.readKeyValuesToList().map((kv) => kv.value).map((a) => [a.trans_num, a.history])).toEqual([[spike.trans_num, 20]])
      } finally {
        await second.close()
      }
    } finally {
      await rm(stateDir, { recursive: true, force: true })
    }
  })
})

describe('options', () => {
  test('topic, application and store names can be overridden; a rekey topic repartitions by cc_num', async () => {
    const custom = userAnomaly({ applicationId: 'anomaly-2', inputTopic: 'tx-cdc', alertsTopic: 'alerts-2', store: 'profiles-2', rekeyTopic: 'anomaly-2-by-card' })
    const driver = await TopologyTestDriver.create(custom, { backend: 'memory' })
    try {
      const input = driver.createInputTopic('tx-cdc', serdes.string(), transaction)
      const output = driver.createOutputTopic('alerts-2', serdes.string(), fraudAlert)
      const history = normalHistory(20)
      // Keyed by trans_num, as a CDC topic would be: the rekey step puts cc_num in the key.
      for (const t of history) await input.pipeInput(t.trans_num, t, t.unix_time * 1000)
      const spike = tx({ amt: 900, unix_time: history.at(-1)!.unix_time + DAY })
      await input.pipeInput(spike.trans_num, spike, spike.unix_time * 1000)
      expect(output.readKeyValuesToList().map((kv) => kv.key)).toEqual([CARD])
      expect(driver.topicContents('anomaly-2-by-card').map((r) => r.key?.toString())).toContain(CARD)
      expect(driver.getKeyValueStore<string, UserProfile>('profiles-2').get(CARD)?.count).toBe(21)
    } finally {
      await driver.close()
    }
  })
})

describe('fraudAlertsTable', () => {
  test('maps an alert to an insert-only row unique on trans_num, reasons as JSON text', () => {
    const table = fraudAlertsTable()
    expect(table).toMatchObject({ topic: 'alerts', table: 'fraud_alerts', mode: 'insert', primaryKey: ['trans_num'] })
    const alert: FraudAlert = {
      trans_num: 'abc',
      cc_num: CARD,
      unix_time: START,
      trans_date_trans_time: '2023-11-14 22:13:20',
      amt: 700,
      merchant: 'm',
      category: 'grocery_pos',
      score: 0.95,
      level: 'HIGH',
      reasons: [{ rule: 'extreme_amount', score: 1, amount: 700, threshold: 500, history: 0, message: 'x' }],
      history: 0,
    }
    const row = table.row(CARD, alert, { topic: 'alerts', partition: 0, offset: '0', timestamp: 0 })
    expect(row).toMatchObject({ trans_num: 'abc', cc_num: CARD, score: 0.95, level: 'HIGH', unix_time: START, transaction_time: new Date(START * 1000) })
    expect(JSON.parse(row!.reasons as string)).toEqual(alert.reasons)
    expect(Object.keys(row!).sort()).toEqual(Object.keys(table.columns).sort())
    expect(fraudAlertsTable('a2', 't2')).toMatchObject({ topic: 'a2', table: 't2' })
  })
})
