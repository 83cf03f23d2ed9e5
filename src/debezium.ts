// sluice/debezium: Debezium change events (PostgreSQL connector, JSON converter) as records and rows.

export { debeziumRows, debeziumSerde, debeziumKeySerde, parseDebeziumChange, type DebeziumChange, type DebeziumOp, type DebeziumRowsOptions, type DebeziumSerdeOptions } from './serde/debezium.js'
