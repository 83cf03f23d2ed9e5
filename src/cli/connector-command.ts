import { parseArgs } from 'node:util'
import { ConnectClient, failureOf, isRunning, type ConnectorStatus } from '../connect/connect-client.js'
import { databaseAddressOf, type ConnectorDefinition } from '../connect/debezium-postgres-connector.js'
import { loadDefaultExport } from './load-module.js'
import { createKafkaClient } from '../runtime/kafka/create-kafka-client.js'
import { retryRetriable } from '../runtime/kafka/retry-retriable.js'
import { brokersSetting, integerSetting, InvalidSettingError, settingOf, textSetting } from './setting.js'
import { formatTable } from './table.js'

export const CONNECTOR_USAGE = `Usage: sluice connector <register | status | restart | remove> <connector.ts> [options]

Manages a Kafka Connect connector defined in a file whose default export is a connector
definition (debeziumPostgresConnector from 'sluice/debezium'; shipped:
topologies/transactions-connector.ts).
  register   creates the connector or updates its configuration, then waits until it runs
  status     prints the connector's and its tasks' states; exit code 1 unless all are RUNNING
  restart    restarts the connector and its tasks (they resume from the last flushed offsets)
  remove     deletes the connector (its replication slot stays in PostgreSQL)
Options:
  --connect-url url   Kafka Connect's REST API [SLUICE_CONNECT_URL] (default http://127.0.0.1:8083)
  --brokers list      register first creates the connector's topics there when missing, so that
                      topologies reading them can start before its first row [SLUICE_BROKERS]
                      (default localhost:9092)
  --pg-url url        the database as the Connect worker reaches it, for register [SLUICE_PG_URL]
                      (default postgres://sluice:sluice@127.0.0.1:5432/sluice)
  --timeout ms        how long register and restart wait for RUNNING (default 60000)
  --json              status as JSON
`

const ACTIONS = ['register', 'status', 'restart', 'remove'] as const
type Action = (typeof ACTIONS)[number]

function isDefinition(value: unknown): value is ConnectorDefinition {
  const candidate = value as Partial<ConnectorDefinition> | undefined
  return typeof candidate?.name === 'string' && typeof candidate.config === 'function' && Array.isArray(candidate.topics) && typeof candidate.topicPartitions === 'number'
}

/**
 * The connector's topics, created where missing with its partition count (the worker would
 * create them only with the first row: a topology started before that finds no topic).
 */
async function createMissingTopics(brokers: string[], definition: ConnectorDefinition, log: (text: string) => void): Promise<string[]> {
  const admin = createKafkaClient({ clientId: 'sluice-connector', brokers }).admin()
  await admin.connect()
  try {
    const existing = new Set(await admin.listTopics())
    const missing = definition.topics.filter((topic) => !existing.has(topic))
    if (missing.length > 0) await retryRetriable(`creating ${missing.join(', ')}`, () => admin.createTopics(missing.map((name) => ({ name, partitions: definition.topicPartitions }))), log)
    return missing
  } finally {
    await admin.close()
  }
}

function statusTable(status: ConnectorStatus): string {
  const rows = [['connector', status.connector.state, status.connector.worker_id], ...status.tasks.map((task) => [`task ${task.id}`, task.state, task.worker_id])]
  const failure = failureOf(status)
  return `connector ${status.name}\n${formatTable(['PART', 'STATE', 'WORKER'], rows)}${failure ? `${failure}\n` : ''}`
}

/** `sluice connector`: returns the exit code. */
export async function connectorCommand(args: string[], write: (text: string) => void, log: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: { 'connect-url': { type: 'string' }, 'pg-url': { type: 'string' }, brokers: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' } },
  })
  const [action, file, ...extra] = positionals
  if (!ACTIONS.includes(action as Action) || file === undefined || extra.length > 0) {
    throw new InvalidSettingError(`connector takes an action (${ACTIONS.join(', ')}) and a connector file, e.g. sluice connector register topologies/transactions-connector.ts`)
  }
  const definition = await loadDefaultExport(file)
  if (!isDefinition(definition)) throw new Error(`${file} does not export a connector definition as default (see debeziumPostgresConnector in 'sluice/debezium')`)
  const url = textSetting(settingOf('connect-url', values['connect-url'], 'SLUICE_CONNECT_URL')) ?? 'http://127.0.0.1:8083'
  const timeoutMs = integerSetting(settingOf('timeout', values.timeout), { min: 1, unit: 'milliseconds' }) ?? 60_000
  const client = new ConnectClient(url.replace(/\/+$/, ''))
  const { name } = definition
  switch (action as Action) {
    case 'register': {
      const pgUrl = textSetting(settingOf('pg-url', values['pg-url'], 'SLUICE_PG_URL')) ?? 'postgres://sluice:sluice@127.0.0.1:5432/sluice'
      const address = databaseAddressOf(pgUrl)
      const brokers = brokersSetting(settingOf('brokers', values.brokers, 'SLUICE_BROKERS')) ?? ['localhost:9092']
      const created = await createMissingTopics(brokers, definition, log)
      if (created.length > 0) log(`created ${created.join(', ')} (${definition.topicPartitions} partition(s))`)
      await client.register(name, definition.config(address))
      log(`connector ${name}: registered at ${url}, waiting until it runs`)
      const status = await client.waitUntilRunning(name, timeoutMs)
      log(`connector ${name}: RUNNING (${status.tasks.length} task(s)); it writes ${definition.topics.join(', ')}`)
      return 0
    }
    case 'status': {
      const status = await client.status(name)
      if (status === undefined) {
        log(`connector ${name}: not registered at ${url}`)
        return 1
      }
      write(values.json ? `${JSON.stringify(status, null, 2)}\n` : statusTable(status))
      return isRunning(status) ? 0 : 1
    }
    case 'restart': {
      await client.restart(name)
      await client.waitUntilRunning(name, timeoutMs)
      log(`connector ${name}: restarted and RUNNING`)
      return 0
    }
    case 'remove': {
      const removed = await client.remove(name)
      log(removed ? `connector ${name}: removed` : `connector ${name}: was not registered at ${url}`)
      return 0
    }
  }
}
