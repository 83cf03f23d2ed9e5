import { parseArgs } from 'node:util'
import { consumerLag, type GroupLag } from '../runtime/kafka/consumer-lag.js'
import { createKafkaClient } from '../runtime/kafka/create-kafka-client.js'
import type { PostgresSinkConfig } from '../sinks/postgres/sink-config.js'
import { Topology } from '../topology/topology.js'
import { loadDefaultExport } from './load-module.js'
import { brokersSetting, settingOf } from './setting.js'
import { formatTable } from './table.js'

export const LAG_USAGE = `Usage: sluice lag <topology.ts | sink.ts> [options]
       sluice lag --group <group> [options]

Prints, per partition, a consumer group's committed offset, the end offset and the lag: an
application's group (its source and repartition topics), a PostgreSQL sink's, or any group.
Exit code 1 when the group does not exist.
Options:
  --group g              a consumer group by name (its topics: those it has committed offsets for)
  --json                 JSON instead of a table
  --brokers host:port    Kafka bootstrap brokers [SLUICE_BROKERS] (default: the sink's, else localhost:9092)
`

/** Whose lag: the group and the topics to show (undefined: those the group has committed offsets for). */
interface LagSubject {
  readonly groupId: string
  readonly topics: readonly string[] | undefined
  readonly brokers: readonly string[] | undefined
}

async function subjectOf(file: string): Promise<LagSubject> {
  const loaded = await loadDefaultExport(file)
  if (loaded instanceof Topology) {
    const repartitions = loaded.internalTopics.filter((topic) => topic.kind === 'repartition').map((topic) => topic.name)
    return { groupId: loaded.applicationId, topics: [...loaded.externalSourceTopics, ...repartitions], brokers: undefined }
  }
  const sink = loaded as Partial<PostgresSinkConfig> | undefined
  if (sink && typeof sink.groupId === 'string' && Array.isArray(sink.tables)) {
    return { groupId: sink.groupId, topics: [...new Set(sink.tables.map((table) => table.topic))], brokers: sink.brokers }
  }
  throw new Error(`${file} exports neither a topology nor a PostgreSQL sink as default`)
}

function lagTable(lag: GroupLag): string {
  const rows = lag.partitions.map((entry) => [entry.topic, String(entry.partition), entry.committed?.toString() ?? '-', entry.end.toString(), entry.lag?.toString() ?? '-'])
  return `group ${lag.groupId}: ${lag.state}, ${lag.members} member(s), total lag ${lag.totalLag}\n${formatTable(['TOPIC', 'PARTITION', 'COMMITTED', 'END', 'LAG'], rows)}`
}

function lagJson(lag: GroupLag): string {
  const number = (value: bigint | undefined): string | null => (value === undefined ? null : value.toString())
  const partitions = lag.partitions.map((entry) => ({ topic: entry.topic, partition: entry.partition, committed: number(entry.committed), end: number(entry.end), lag: number(entry.lag) }))
  // Offsets as strings: they are 64-bit.
  return `${JSON.stringify({ group: lag.groupId, state: lag.state, members: lag.members, totalLag: lag.totalLag.toString(), partitions }, null, 2)}\n`
}

/** `sluice lag`: returns the exit code. */
export async function lagCommand(args: string[], write: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({ args, strict: true, allowPositionals: true, options: { group: { type: 'string' }, json: { type: 'boolean' }, brokers: { type: 'string' } } })
  if (positionals.length > 1 || (positionals.length === 1) === (values.group !== undefined)) {
    process.stderr.write(`sluice: lag takes a topology or sink file, or --group <group>: one of them\n${LAG_USAGE}`)
    return 2
  }
  const subject: LagSubject = positionals[0] !== undefined ? await subjectOf(positionals[0]) : { groupId: values.group as string, topics: undefined, brokers: undefined }
  const brokers = brokersSetting(settingOf('brokers', values.brokers, 'SLUICE_BROKERS')) ?? subject.brokers ?? ['localhost:9092']
  const admin = createKafkaClient({ clientId: 'sluice-lag', brokers }).admin()
  await admin.connect()
  try {
    const lag = await consumerLag(admin, subject.groupId, subject.topics)
    write(values.json ? lagJson(lag) : lagTable(lag))
    return 0
  } finally {
    await admin.close()
  }
}
