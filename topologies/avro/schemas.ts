import { readFileSync } from 'node:fs'
import { type AvroSerde, avroSerde } from 'sluice/avro'
import type { Transaction } from '../transaction.js'
import { isValidTransaction } from '../transaction-check.js'

/** The shipped versions of the Avro transaction schema, as files next to this one. */
export type TransactionSchemaFile = 'transaction-v1.avsc' | 'transaction-v2.avsc' | 'transaction-v2-no-default.avsc'

/** A transaction as v2 reads it: v1 plus the merchant's country ("US" for records written with v1). */
export type TransactionV2 = Transaction & { merchant_country: string }

export function transactionSchema(file: TransactionSchemaFile): string {
  return readFileSync(new URL(file, import.meta.url), 'utf8')
}

/**
 * Avro transactions through the schema registry, with one of the shipped schema versions. The
 * schema fixes the types, not the values (a double may be NaN or Infinity, a string empty), so
 * what is read is checked like the JSON transactions are (transaction-check.ts).
 */
export function avroTransaction<T extends Transaction = Transaction>(file: TransactionSchemaFile, registryUrl?: string): AvroSerde<T> {
  const serde = avroSerde<T>({ schema: transactionSchema(file), registryUrl })
  return {
    ...serde,
    deserialize: (topic, data, headers) => {
      const value = serde.deserialize(topic, data, headers)
      if (value !== null) isValidTransaction(value)
      return value
    },
  }
}
