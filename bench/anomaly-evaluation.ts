// Detection quality of topologies/user-anomaly.ts against the generator's ground truth: the
// seeded generator's transactions go through the topology in the in-process driver (LevelDB
// state by default, as in production), and every alert is compared with the transaction's
// is_fraud label. An alert on a transaction with is_fraud = 1 is a true positive. The
// topology never sees the labels: it scores amounts, velocity and distance only.
import { serdes, type BackendKind } from 'sluice'
import { TopologyTestDriver, type TestRecord } from 'sluice/testing'
import { generateTransactions, type FraudKind } from '../demo/generator/index.js'
import { transaction, type Transaction } from '../topologies/schemas.js'
import { fraudAlert, userAnomaly, type FraudAlert, type UserAnomalyOptions } from '../topologies/user-anomaly.js'

export interface EvaluationOptions {
  seed: number
  users: number
  count: number
  fraudRate?: number
  backend?: BackendKind
  /** Passed to userAnomaly(), e.g. scoring overrides. */
  topology?: UserAnomalyOptions
  onProgress?: (transactions: number, alerts: number) => void
}

export interface Ratio {
  hits: number
  total: number
  /** hits / total, or NaN when total is 0. */
  value: number
}

export interface EvaluationResult {
  options: EvaluationOptions
  transactions: number
  frauds: number
  alerts: number
  truePositives: number
  precision: number
  recall: number
  alertRate: number
  f1: number
  recallPerKind: Record<FraudKind, Ratio>
  precisionPerLevel: Record<string, Ratio>
  /** Precision by each alert's strongest reason. */
  precisionPerRule: Record<string, Ratio>
  seconds: number
  targetsMet: boolean
}

export const TARGETS = { precision: 0.9, recall: 0.8, alertRate: 0.02 }
const KINDS: readonly FraudKind[] = ['amount_spike', 'burst', 'far_merchant']
const BATCH = 5000

function ratio(hits: number, total: number): Ratio {
  return { hits, total, value: total === 0 ? Number.NaN : hits / total }
}

export async function evaluateUserAnomaly(options: EvaluationOptions): Promise<EvaluationResult> {
  const started = performance.now()
  const driver = await TopologyTestDriver.create(userAnomaly(options.topology), { backend: options.backend ?? 'leveldb' })
  const labels = new Map<string, FraudKind | null>()
  const alerts: FraudAlert[] = []
  try {
    const input = driver.createInputTopic(options.topology?.inputTopic ?? 'transactions', serdes.string(), transaction)
    const output = driver.createOutputTopic(options.topology?.alertsTopic ?? 'alerts', serdes.string(), fraudAlert)
    let batch: TestRecord<string, Transaction>[] = []
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return
      await input.pipeRecords(batch)
      batch = []
      for (const { value } of output.readKeyValuesToList()) alerts.push(value)
      options.onProgress?.(labels.size, alerts.length)
    }
    const generated = generateTransactions({ seed: options.seed, users: options.users, count: options.count, ...(options.fraudRate === undefined ? {} : { fraudRate: options.fraudRate }) })
    for (const { transaction: tx, fraudKind } of generated) {
      // The label stays here, in the evaluation; the topology gets the record as a producer would send it.
      labels.set(tx.trans_num, tx.is_fraud === 1 ? (fraudKind ?? 'amount_spike') : null)
      batch.push({ key: tx.cc_num, value: tx, timestamp: tx.unix_time * 1000 })
      if (batch.length >= BATCH) await flush()
    }
    await flush()
  } finally {
    await driver.close()
  }

  const alerted = new Set<string>()
  let truePositives = 0
  const perLevel: Record<string, [number, number]> = {}
  const perRule: Record<string, [number, number]> = {}
  for (const alert of alerts) {
    alerted.add(alert.trans_num)
    const tp = (labels.get(alert.trans_num) ?? null) !== null
    if (tp) truePositives++
    const level = (perLevel[alert.level] ??= [0, 0])
    const rule = (perRule[alert.reasons[0]?.rule ?? 'none'] ??= [0, 0])
    level[1]++
    rule[1]++
    if (tp) {
      level[0]++
      rule[0]++
    }
  }
  const perKind = Object.fromEntries(KINDS.map((kind) => [kind, [0, 0]])) as Record<FraudKind, [number, number]>
  let frauds = 0
  for (const [transNum, kind] of labels) {
    if (kind === null) continue
    frauds++
    perKind[kind][1]++
    if (alerted.has(transNum)) perKind[kind][0]++
  }
  const transactions = labels.size
  const precision = alerts.length === 0 ? 0 : truePositives / alerts.length
  const recall = frauds === 0 ? 0 : truePositives / frauds
  const alertRate = transactions === 0 ? 0 : alerts.length / transactions
  const toRatios = (map: Record<string, [number, number]>) => Object.fromEntries(Object.entries(map).map(([name, [hits, total]]) => [name, ratio(hits, total)]))
  return {
    options,
    transactions,
    frauds,
    alerts: alerts.length,
    truePositives,
    precision,
    recall,
    alertRate,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    recallPerKind: toRatios(perKind) as Record<FraudKind, Ratio>,
    precisionPerLevel: toRatios(perLevel),
    precisionPerRule: toRatios(perRule),
    seconds: (performance.now() - started) / 1000,
    targetsMet: precision >= TARGETS.precision && recall >= TARGETS.recall && alertRate <= TARGETS.alertRate,
  }
}

export function formatEvaluation(result: EvaluationResult): string {
  const n = (x: number): string => x.toLocaleString('en-US')
  const r = (x: Ratio): string => `${Number.isNaN(x.value) ? 'n/a' : x.value.toFixed(3)} (${n(x.hits)}/${n(x.total)})`
  const { options: o } = result
  const levels = ['HIGH', 'MEDIUM', 'LOW'].filter((level) => result.precisionPerLevel[level])
  const rules = Object.entries(result.precisionPerRule).sort((a, b) => b[1].total - a[1].total)
  return [
    `user-anomaly evaluation: seed ${o.seed}, ${n(o.users)} users, ${n(result.transactions)} transactions, ${o.backend ?? 'leveldb'} store`,
    `  fraud (labels)    ${n(result.frauds)} (${((100 * result.frauds) / Math.max(1, result.transactions)).toFixed(2)}%)`,
    `  alerts            ${n(result.alerts)}: ${n(result.truePositives)} true positives, ${n(result.alerts - result.truePositives)} false positives`,
    `  precision         ${result.precision.toFixed(3)}   (target >= ${TARGETS.precision})`,
    `  recall            ${result.recall.toFixed(3)}   (target >= ${TARGETS.recall})`,
    `  alert rate        ${(100 * result.alertRate).toFixed(2)}%   (target <= ${100 * TARGETS.alertRate}%)`,
    `  F1                ${result.f1.toFixed(3)}`,
    `  recall per kind   ${KINDS.map((kind) => `${kind} ${r(result.recallPerKind[kind])}`).join('   ')}`,
    `  precision/level   ${levels.map((level) => `${level} ${r(result.precisionPerLevel[level])}`).join('   ')}`,
    `  precision/reason  ${rules.map(([rule, ratio_]) => `${rule} ${r(ratio_)}`).join('   ')}   (by strongest reason)`,
    `  time              ${result.seconds.toFixed(1)} s, ${n(Math.round(result.transactions / result.seconds))} transactions/s (generator included)`,
    `  targets           ${result.targetsMet ? 'met' : 'NOT met'}`,
  ].join('\n')
}
