// alerts -> fraud_alerts, exactly once, under the demo's run-specific names.
import { definePostgresSink } from 'sluice/postgres'
import { fraudAlertsTable } from '../../topologies/user-anomaly.js'
import { DEMO_TABLES } from '../demo-options.js'
import { demoNames } from './demo-names.js'

const names = demoNames()
export default definePostgresSink({ groupId: names.alertsSinkGroup, brokers: names.brokers, connectionString: names.pgUrl, offsetsTable: DEMO_TABLES.sinkOffsets, tables: [fraudAlertsTable(names.alerts, DEMO_TABLES.alerts)] })
