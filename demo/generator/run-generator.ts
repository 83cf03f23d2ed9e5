import { generateTransactions } from './generate-transactions.js'
import { writeToJsonl } from './jsonl-writer.js'
import { writeToKafka } from './kafka-writer.js'
import { writeToPostgres } from './postgres-writer.js'
import { progressToStderr } from './progress.js'
// The contract with the command that loads this file; type-only, so nothing of the CLI is loaded.
import type { GenerateRequest } from '../../src/cli/generate-command.js'

/** Generates the transactions and writes them where the request says, reporting on stderr. */
export async function runGenerator(request: GenerateRequest): Promise<void> {
  const records = generateTransactions({ count: request.count, seed: request.seed, users: request.users, fraudRate: request.fraudRate })
  const progress = { total: request.count, onProgress: progressToStderr('generate') }
  const { target } = request
  switch (target.to) {
    case 'kafka': {
      const written = await writeToKafka(records, { ...progress, brokers: target.brokers, topic: target.topic, rate: target.rate })
      process.stderr.write(`generate: ${written} transactions to Kafka topic ${target.topic}\n`)
      break
    }
    case 'jsonl': {
      const written = await writeToJsonl(records, target.file, { ...progress, labels: target.labels })
      if (target.file !== '-') process.stderr.write(`generate: ${written} transactions to ${target.file}\n`)
      break
    }
    case 'postgres': {
      const written = await writeToPostgres(records, { ...progress, connectionString: target.connectionString, table: target.table })
      process.stderr.write(`generate: ${written} transactions to PostgreSQL table ${target.table}\n`)
      break
    }
  }
}
