/** Where the connector finds the database, as the Connect worker sees it. */
export interface DatabaseAddress {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly password: string
  readonly database: string
}

/** A connector Sluice can register: its name and its configuration for a database. */
export interface ConnectorDefinition {
  readonly name: string
  /** The topics the connector writes (what the topologies read). */
  readonly topics: readonly string[]
  /** Their partitions, for creating them before the connector's first record does. */
  readonly topicPartitions: number
  config(database: DatabaseAddress): { readonly [key: string]: string }
}

export interface DebeziumPostgresConnectorOptions {
  /** The connector's name in Kafka Connect. */
  name: string
  /** Topics are named `<topicPrefix>.<schema>.<table>` (Debezium's `topic.prefix`). */
  topicPrefix: string
  /** The captured tables as `schema.table`, e.g. `public.transactions`. */
  tables: readonly string[]
  /** Partitions of the topics the worker creates (default 1). Debezium keys by primary key, so a row's changes stay in order. */
  topicPartitions?: number
  /** Debezium's `snapshot.mode` (default `initial`: the rows already in the tables first, once). */
  snapshotMode?: 'initial' | 'no_data' | 'always' | 'when_needed' | 'initial_only'
  /** The replication slot and the publication (default: from the name). */
  slotName?: string
  publicationName?: string
  /** Any other Debezium or Connect setting, as is. */
  extra?: { readonly [key: string]: string }
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/
const TABLE = /^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/

/**
 * The Debezium PostgreSQL connector as the fraud pipelines run it: logical decoding through
 * `pgoutput` (no server plugin to install), numeric columns as plain doubles
 * (`decimal.handling.mode=double`), a publication for the captured tables only, created by the
 * connector, and the JSON converter without schemas (the worker's, see scripts/services.sh),
 * which is what `debeziumSerde` reads.
 */
export function debeziumPostgresConnector(options: DebeziumPostgresConnectorOptions): ConnectorDefinition {
  if (options.tables.length === 0) throw new Error(`connector ${options.name}: no tables to capture`)
  for (const table of options.tables) if (!TABLE.test(table)) throw new Error(`connector ${options.name}: "${table}" is not a schema.table name`)
  const derived = options.name.toLowerCase().replace(/[^a-z0-9_]/g, '_')
  const slotName = options.slotName ?? derived
  const publicationName = options.publicationName ?? derived
  for (const [what, value] of [['slot', slotName], ['publication', publicationName]] as const) {
    if (!IDENTIFIER.test(value)) throw new Error(`connector ${options.name}: ${what} name "${value}" must match ${IDENTIFIER}`)
  }
  const partitions = options.topicPartitions ?? 1
  if (!Number.isInteger(partitions) || partitions < 1) throw new Error(`connector ${options.name}: topicPartitions must be a whole number of 1 or more`)
  return {
    name: options.name,
    topics: options.tables.map((table) => `${options.topicPrefix}.${table}`),
    topicPartitions: partitions,
    config: (database) => ({
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'tasks.max': '1',
      'plugin.name': 'pgoutput',
      'database.hostname': database.host,
      'database.port': String(database.port),
      'database.user': database.user,
      'database.password': database.password,
      'database.dbname': database.database,
      'topic.prefix': options.topicPrefix,
      'table.include.list': options.tables.join(','),
      'decimal.handling.mode': 'double',
      'slot.name': slotName,
      'publication.name': publicationName,
      'publication.autocreate.mode': 'filtered',
      'snapshot.mode': options.snapshotMode ?? 'initial',
      'topic.creation.default.partitions': String(partitions),
      'topic.creation.default.replication.factor': '-1',
      ...options.extra,
    }),
  }
}

/** A database address from a `postgres://user:password@host:port/database` URL. */
export function databaseAddressOf(url: string): DatabaseAddress {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new Error(`"${url}" is not a postgres:// URL`)
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw new Error(`"${url}" is not a postgres:// URL`)
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''))
  if (!parsed.hostname || !database || !parsed.username) throw new Error(`"${url}" needs a user, a host and a database (postgres://user:password@host:port/database)`)
  return { host: parsed.hostname, port: parsed.port ? Number(parsed.port) : 5432, user: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password), database }
}
