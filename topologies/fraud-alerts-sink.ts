import { definePostgresSink } from 'sluice/postgres'
import { fraudAlertsTable } from './user-anomaly.js'

export { fraudAlertsTable }

/** alerts -> fraud_alerts, exactly once (`npx sluice sink topologies/fraud-alerts-sink.ts`). */
const env = process.env
export default definePostgresSink({
  groupId: env.SLUICE_SINK_GROUP ?? 'fraud-alerts-sink',
  brokers: (env.SLUICE_BROKERS ?? 'localhost:9092').split(','),
  connectionString: env.SLUICE_PG_URL ?? 'postgres://sluice:sluice@127.0.0.1:5432/sluice',
  tables: [fraudAlertsTable(env.SLUICE_SINK_TOPIC ?? 'alerts', env.SLUICE_SINK_TABLE ?? 'fraud_alerts')],
})
