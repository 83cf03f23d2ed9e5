// The transaction generator of the fraud demo: deterministic card transactions with labelled fraud,
// written to Kafka, JSONL or PostgreSQL. It uses Sluice only through its public entry points.
export { generateTransactions, FRAUD_FREE_TRANSACTIONS, FRAUD_MIX, FRAUD_SHAPE, type FraudKind, type GeneratedTransaction, type GeneratorOptions } from './generate-transactions.js'
export { formatProgress, progressToStderr, type WriteOptions, type WriteProgress } from './progress.js'
export { writeToJsonl, type JsonlWriteOptions } from './jsonl-writer.js'
export { writeToKafka, type KafkaWriteOptions } from './kafka-writer.js'
export { writeToPostgres, transactionsTableSql, type PostgresWriteOptions } from './postgres-writer.js'
export { createTopicRetrying } from './create-topic.js'
