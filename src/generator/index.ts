// The transaction generator, for code inside the project; the public API is src/index.ts.
export { CATEGORIES, TRANSACTION_FIELDS, formatTransactionTime, type Category, type Transaction } from './transaction.js'
export { generateTransactions, FRAUD_FREE_TRANSACTIONS, FRAUD_MIX, FRAUD_SHAPE, type FraudKind, type GeneratedTransaction, type GeneratorOptions } from './generate-transactions.js'
export { haversineKm } from './geo.js'
export { formatProgress, progressToStderr, type WriteOptions, type WriteProgress } from './progress.js'
export { writeToJsonl, type JsonlWriteOptions } from './jsonl-writer.js'
export { writeToKafka, type KafkaWriteOptions } from './kafka-writer.js'
export { writeToPostgres, transactionsTableSql, type PostgresWriteOptions } from './postgres-writer.js'
