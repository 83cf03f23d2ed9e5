// category counts -> fraud_metrics, exactly once, under the demo's run-specific names.
import { definePostgresSink } from 'sluice/postgres'
import { fraudMetricsTable } from '../../topologies/fraud-metrics-sink.js'
import { DEMO_TABLES } from '../demo-options.js'
import { demoNames } from './demo-names.js'

const names = demoNames()
export default definePostgresSink({ groupId: names.metricsSinkGroup, brokers: names.brokers, connectionString: names.pgUrl, offsetsTable: DEMO_TABLES.sinkOffsets, tables: [fraudMetricsTable(names.counts, DEMO_TABLES.metrics)] })
