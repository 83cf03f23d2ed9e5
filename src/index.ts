// Sluice's public API. Everything else under src/ is internal and may change.

import './runtime/kafka/kafkajs-corrections.js' // corrects kafkajs before anything loads it

export { defineTopology, StreamsBuilder, type StreamOptions, type TableOptions, type TopologyConfig } from './dsl/streams-builder.js'
export { KStream, type GroupedOptions, type KeyValuePair, type Named, type ProcessOptions, type ToOptions } from './dsl/kstream.js'
export { BranchedKStream } from './dsl/branched-kstream.js'
export { KGroupedStream, type AggregateOptions, type MaterializedOptions, type ReduceOptions } from './dsl/kgrouped-stream.js'
export { TimeWindowedKStream, type WindowedOptions } from './dsl/time-windowed-kstream.js'
export { KTable } from './dsl/ktable.js'
export { TimeWindows, TimeWindowsWithoutGrace } from './dsl/time-windows.js'
export { toMillis, type Duration } from './dsl/duration.js'
export type { EmitStrategy, LateRecordHandler } from './dsl/processors/window-aggregate.js'

export { Record } from './processor/record.js'
export type { Cancellable, Processor, ProcessorContext, ProcessorSupplier, PunctuationType, Punctuator } from './processor/processor.js'

export { TopologyBuilder, type SinkOptions, type SourceOptions } from './topology/topology-builder.js'
export { Topology, type Subtopology } from './topology/topology.js'
export type { Partitioner, TimestampExtractor } from './topology/nodes.js'

export { Stores, type KeyValueStoreOptions, type WindowStoreOptions } from './state/stores.js'
export type { KeyValue, KeyValueStore, StateStore, StoreSpec, WindowStore } from './state/store.js'
export type { TimeWindow, Windowed } from './state/windowed.js'
export type { BackendKind } from './state/backend.js'
export { deleteApplicationState, UnsafeDeleteError } from './state/safe-delete.js'

export { serdes } from './serde/serdes.js'
export type { Headers, Serde } from './serde/serde.js'
export { avroSerde, type AvroSchemaInput, type AvroSerde, type AvroSerdeOptions } from './serde/avro/avro-serde.js'
export type { SubjectNameStrategy } from './serde/avro/subject-name-strategy.js'
export { COMPATIBILITY_LEVELS, incompatibilities, type CompatibilityLevel, type PreviousSchema } from './serde/avro/compatibility.js'
export { checkTopologySchemas, folderHistory, registryHistory, SchemaCompatibilityError, topologyHistory, type SchemaHistorySource, type SubjectCheck, type SubjectHistory } from './serde/avro/schema-check.js'

export { DeserializationError, ProcessingError, TopologyError, type RecordPosition } from './errors.js'
export { DEAD_LETTER_HEADERS } from './runtime/dead-letter.js'
export type { TaskMetrics } from './runtime/task-metrics.js'

export { TopologyTestDriver, type TestDriverOptions } from './testing/topology-test-driver.js'
export { TestInputTopic, TestOutputTopic, type RawTestRecord, type TestRecord } from './testing/test-topics.js'
export { testSchemaUpgrade, type OldRecordWriter, type SchemaUpgradeResult, type SchemaUpgradeTest, type UpgradeStart } from './testing/schema-upgrade-test.js'

export { KafkaStreams, type StreamsState } from './runtime/kafka/kafka-streams.js'
export type { ReadOnlyKeyValueStore, ReadOnlyWindowStore } from './state/query/read-only-stores.js'
export { StoreUnavailableError, UnknownStoreError } from './state/query/store-errors.js'
export type { ProcessingGuarantee, StreamsConfig } from './runtime/kafka/streams-config.js'
export { PostgresSink } from './sinks/postgres/postgres-sink.js'
export { TableWriter, type SinkRecord } from './sinks/postgres/table-writer.js'
export { PgDatabase } from './sinks/postgres/pg-database.js'
export type { SqlDatabase } from './sinks/postgres/sql-database.js'
export type { Statement } from './sinks/postgres/sql.js'
export { definePostgresSink, type PostgresSinkConfig, type Row, type SinkTable, type SourcePosition } from './sinks/postgres/sink-config.js'

export { debeziumRows, debeziumSerde, debeziumKeySerde, parseDebeziumChange, type DebeziumChange, type DebeziumOp, type DebeziumRowsOptions, type DebeziumSerdeOptions } from './serde/debezium.js'
export { CATEGORIES, TRANSACTION_FIELDS, formatTransactionTime, type Category, type Transaction } from './generator/transaction.js'
export { generateTransactions, FRAUD_FREE_TRANSACTIONS, FRAUD_MIX, FRAUD_SHAPE, type FraudKind, type GeneratedTransaction, type GeneratorOptions } from './generator/generate-transactions.js'
export { haversineKm } from './generator/geo.js'
export { formatProgress, progressToStderr, type WriteOptions, type WriteProgress } from './generator/progress.js'
export { writeToJsonl, type JsonlWriteOptions } from './generator/jsonl-writer.js'
export { writeToKafka, type KafkaWriteOptions } from './generator/kafka-writer.js'
export { writeToPostgres, transactionsTableSql, type PostgresWriteOptions } from './generator/postgres-writer.js'
