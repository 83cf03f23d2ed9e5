import { debeziumPostgresConnector } from 'sluice/debezium'

/**
 * Debezium capturing PostgreSQL's `transactions` table (transactions-table.ts) into
 * `dbserver1.public.transactions`, which the CDC topologies read
 * (`categoryCounts({ cdc: true })`, `userAnomaly({ cdc: true })`, topologies/cdc/):
 *
 *   sluice connector register topologies/transactions-connector.ts   (status | restart | remove)
 */
export default debeziumPostgresConnector({
  name: process.env.SLUICE_CONNECTOR_NAME ?? 'transactions-cdc',
  topicPrefix: 'dbserver1',
  tables: ['public.transactions'],
  // One partition: the anomaly detector must see each card's transactions in commit order
  // (the connector has one task, one producer: more partitions would not make it faster).
  topicPartitions: 1,
})
