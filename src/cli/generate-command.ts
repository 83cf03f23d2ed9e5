import { parseArgs } from 'node:util'
import { brokersSetting, decimalSetting, integerSetting, settingOf } from './setting.js'

/** What `sluice generate` asks of the transaction generator (demo/generator/run-generator.ts). */
export interface GenerateRequest {
  count: number
  seed: number
  users: number | undefined
  fraudRate: number
  target: { to: 'kafka'; topic: string; brokers: string[]; rate: number | undefined } | { to: 'jsonl'; file: string; labels: boolean } | { to: 'postgres'; table: string; connectionString: string }
}

/**
 * The generator belongs to the fraud demo, not to the framework: it ships beside it as
 * TypeScript (like the shipped topologies) and is loaded through the CLI's tsx, from the
 * source tree and from the compiled package alike (both sit two folders below the root).
 */
async function loadGenerator(): Promise<(request: GenerateRequest) => Promise<void>> {
  const module = (await import(new URL('../../demo/generator/run-generator.ts', import.meta.url).href)) as { runGenerator: (request: GenerateRequest) => Promise<void> }
  return module.runGenerator
}

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
  const seed = integerSetting(settingOf('seed', values.seed), { min: 0, max: 2 ** 32 - 1 }) ?? 42
  const users = integerSetting(settingOf('users', values.users), { min: 1 })
  const to = values.to ?? 'kafka'
  let target: GenerateRequest['target']
  switch (to) {
    case 'kafka':
      target = { to, topic: values.topic ?? 'transactions', brokers: brokersSetting(settingOf('brokers', values.brokers, 'SLUICE_BROKERS')) ?? ['localhost:9092'], rate }
      break
    case 'jsonl':
      target = { to, file: values.file ?? 'transactions.jsonl', labels: values.labels ?? false }
      break
    case 'postgres':
      target = { to, table: values.table ?? 'transactions', connectionString: values['pg-url'] ?? process.env.SLUICE_PG_URL ?? 'postgres://sluice:sluice@127.0.0.1:5432/sluice' }
      break
    default:
      throw new Error(`--to must be one of kafka, jsonl, postgres, got "${to}"`)
  }
  const runGenerator = await loadGenerator()
  await runGenerator({ count, seed, users, fraudRate, target })
  return 0
}
