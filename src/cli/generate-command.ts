import { parseArgs } from 'node:util'
import { generateTransactions } from '../generator/generate-transactions.js'
import { writeToJsonl } from '../generator/jsonl-writer.js'
import { writeToKafka } from '../generator/kafka-writer.js'
import { writeToPostgres } from '../generator/postgres-writer.js'
import { progressToStderr } from '../generator/progress.js'
import { brokersSetting, decimalSetting, integerSetting, settingOf } from './setting.js'

export const GENERATE_USAGE = `Usage: sluice generate [options]

Writes deterministic credit-card transactions with injected, labelled fraud.

Options (environment variable in brackets):
  --count n            transactions to write (default 100000)
  --seed n             same seed, same transactions (default 42)
  --users n            card holders (default count / 100)
  --fraud-rate r       fraction of fraudulent transactions (default 0.01)
  --rate n             Kafka only: at most n records per second (default: as fast as possible)
  --to target          kafka | jsonl | postgres (default kafka)
  --topic t            Kafka topic, created with 6 partitions if missing (default transactions)
  --brokers h:p,...    Kafka brokers [SLUICE_BROKERS] (default localhost:9092)
  --file path          JSONL file, '-' for stdout (default transactions.jsonl)
  --labels             JSONL only: add the ground truth as a fraud_kind field
  --table name         PostgreSQL table, created if missing (default transactions)
  --pg-url url         PostgreSQL connection string [SLUICE_PG_URL]
                       (default postgres://sluice:sluice@127.0.0.1:5432/sluice)
`

/** `sluice generate`: returns the exit code. */
export async function generateCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      count: { type: 'string' },
      seed: { type: 'string' },
      users: { type: 'string' },
      'fraud-rate': { type: 'string' },
      rate: { type: 'string' },
      to: { type: 'string' },
      topic: { type: 'string' },
      brokers: { type: 'string' },
      file: { type: 'string' },
      labels: { type: 'boolean' },
      table: { type: 'string' },
      'pg-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    process.stdout.write(GENERATE_USAGE)
    return 0
  }
  const count = integerSetting(settingOf('count', values.count), { min: 0 }) ?? 100_000
  const fraudRate = decimalSetting(settingOf('fraud-rate', values['fraud-rate']), { min: 0, max: 1 }) ?? 0.01
  const rate = decimalSetting(settingOf('rate', values.rate), { min: 0, exclusiveMin: true })
  const records = generateTransactions({
    count,
    seed: integerSetting(settingOf('seed', values.seed), { min: 0, max: 2 ** 32 - 1 }) ?? 42,
    users: integerSetting(settingOf('users', values.users), { min: 1 }),
    fraudRate,
  })
  const to = values.to ?? 'kafka'
  const progress = { total: count, onProgress: progressToStderr('generate') }
  let written: number
  switch (to) {
    case 'kafka': {
      const topic = values.topic ?? 'transactions'
      const brokers = brokersSetting(settingOf('brokers', values.brokers, 'SLUICE_BROKERS')) ?? ['localhost:9092']
      written = await writeToKafka(records, { ...progress, brokers, topic, rate })
      process.stderr.write(`generate: ${written} transactions to Kafka topic ${topic}\n`)
      break
    }
    case 'jsonl': {
      const file = values.file ?? 'transactions.jsonl'
      written = await writeToJsonl(records, file, { ...progress, labels: values.labels ?? false })
      if (file !== '-') process.stderr.write(`generate: ${written} transactions to ${file}\n`)
      break
    }
    case 'postgres': {
      const table = values.table ?? 'transactions'
      const connectionString = values['pg-url'] ?? process.env.SLUICE_PG_URL ?? 'postgres://sluice:sluice@127.0.0.1:5432/sluice'
      written = await writeToPostgres(records, { ...progress, connectionString, table })
      process.stderr.write(`generate: ${written} transactions to PostgreSQL table ${table}\n`)
      break
    }
    default:
      throw new Error(`--to must be one of kafka, jsonl, postgres, got "${to}"`)
  }
  return 0
}
