// sluice/debezium: Debezium change events (PostgreSQL connector, JSON converter) as records and rows,
// and the connector itself, registered through Kafka Connect's REST API.

export { debeziumRows, debeziumSerde, debeziumKeySerde, parseDebeziumChange, type DebeziumChange, type DebeziumOp, type DebeziumRowsOptions, type DebeziumSerdeOptions } from './serde/debezium.js'
export { ConnectClient, ConnectRequestError, failureOf, isRunning, type ConnectorStatus } from './connect/connect-client.js'
export { databaseAddressOf, debeziumPostgresConnector, type ConnectorDefinition, type DatabaseAddress, type DebeziumPostgresConnectorOptions } from './connect/debezium-postgres-connector.js'
