import { deleteApplicationState, serdes } from 'sluice'
import { generateTransactions } from './generator/index.js'
import { TableWriter, type SinkRecord, type SqlDatabase } from 'sluice/postgres'
import { TopologyTestDriver, type TestOutputTopic } from 'sluice/testing'
import { categoryCounts } from '../topologies/category-counts.js'
import { fraudMetricsTable } from '../topologies/fraud-metrics-sink.js'
import { transaction, type Transaction } from '../topologies/schemas.js'
import { fraudAlertsTable, userAnomaly } from '../topologies/user-anomaly.js'
import { DEMO_TABLES, IN_PROCESS_GRACE, type DemoOptions } from './demo-options.js'
import { alertLine, type LiveSummary } from './live-summary.js'

/** What the in-process run consumed and produced. */
export interface InProcessResult {
  transactions: number
  countUpdates: number
  alerts: number
}

const APPLICATIONS = { counts: 'demo-category-counts', anomaly: 'demo-user-anomaly' } as const
const TOPICS = { input: 'transactions', counts: 'category-counts', alerts: 'alerts' } as const
/** Transactions handed to both topologies at once, as a consumer fetch would. */
const BATCH = 1000

/** Output records as bytes, numbered like offsets, for the table writer (which decodes them like the Kafka sink). */
function drain(topic: TestOutputTopic<Buffer | null, Buffer | null>, nextOffset: { value: number }): SinkRecord[] {
  return topic.readRecordsToList().map((record) => ({
    key: record.key,
    value: record.value,
    position: { topic: topic.topic, partition: 0, offset: String(nextOffset.value++), timestamp: record.timestamp },
  }))
}

/**
 * The whole pipeline in this process: generator -> category counts and user anomaly (the
 * in-process runtime, with their LevelDB stores under the state directory) -> the two tables,
 * one database transaction per table per batch.
 */
export async function runInProcess(options: DemoOptions, database: SqlDatabase, summary: LiveSummary): Promise<InProcessResult> {
  // Each run starts from nothing: the demo's stores would otherwise count on top of the last run's.
  for (const applicationId of Object.values(APPLICATIONS)) await deleteApplicationState(options.stateDir, applicationId)
  const counts = await TopologyTestDriver.create(
    categoryCounts({ applicationId: APPLICATIONS.counts, inputTopic: TOPICS.input, outputTopic: TOPICS.counts, windowSize: options.windowSize, grace: options.grace ?? IN_PROCESS_GRACE }),
    { stateDir: options.stateDir },
  )
  const anomaly = await TopologyTestDriver.create(userAnomaly({ applicationId: APPLICATIONS.anomaly, inputTopic: TOPICS.input, alertsTopic: TOPICS.alerts }), { stateDir: options.stateDir })
  const writer = new TableWriter([fraudMetricsTable(TOPICS.counts, DEMO_TABLES.metrics), fraudAlertsTable(TOPICS.alerts, DEMO_TABLES.alerts)])
  const metricsTable = fraudMetricsTable(TOPICS.counts)
  const alertsTable = fraudAlertsTable(TOPICS.alerts)
  const result: InProcessResult = { transactions: 0, countUpdates: 0, alerts: 0 }
  try {
    await writer.createTables(database)
    const inputs = [counts, anomaly].map((driver) => driver.createInputTopic(TOPICS.input, serdes.string(), transaction))
    const countsOut = counts.createOutputTopic(TOPICS.counts, serdes.bytes(), serdes.bytes())
    const alertsOut = anomaly.createOutputTopic(TOPICS.alerts, serdes.bytes(), serdes.bytes())
    const offsets = { counts: { value: 0 }, alerts: { value: 0 } }
    const started = Date.now()
    let batch: { key: string; value: Transaction; timestamp: number }[] = []

    const flush = async (): Promise<void> => {
      for (const input of inputs) await input.pipeRecords(batch)
      const countRecords = drain(countsOut, offsets.counts)
      const alertRecords = drain(alertsOut, offsets.alerts)
      result.countUpdates += await writer.write(database, TOPICS.counts, countRecords)
      result.alerts += await writer.write(database, TOPICS.alerts, alertRecords)
      for (const record of countRecords) {
        const key = metricsTable.key.deserialize(TOPICS.counts, record.key)
        summary.countUpdated(key.window, key.key, metricsTable.value.deserialize(TOPICS.counts, record.value))
      }
      for (const record of alertRecords) summary.alert(alertLine(alertsTable.value.deserialize(TOPICS.alerts, record.value)))
      summary.advanceTo(batch.reduce((latest, record) => Math.max(latest, record.timestamp), -Infinity))
      result.transactions += batch.length
      batch = []
      if (options.rate) {
        // Paced for watching: wait until the wall clock catches up with the rate.
        const due = started + (result.transactions / options.rate) * 1000
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()))
      }
    }

    for (const { transaction: tx } of generateTransactions({ seed: options.seed, users: options.users, count: options.count })) {
      batch.push({ key: String(tx.cc_num), value: tx, timestamp: tx.unix_time * 1000 })
      if (batch.length >= (options.rate ? Math.max(1, Math.min(BATCH, Math.ceil(options.rate / 10))) : BATCH)) await flush()
    }
    if (batch.length > 0) await flush()
    summary.finish()
  } finally {
    await counts.close()
    await anomaly.close()
  }
  return result
}
