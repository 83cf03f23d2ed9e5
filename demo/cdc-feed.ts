import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Admin } from 'kafkajs'
import { ConnectClient, databaseAddressOf, debeziumPostgresConnector } from 'sluice/debezium'
import type { SqlDatabase } from 'sluice/postgres'
import { AlertReceiver } from './alert-receiver.js'
import type { DemoOptions } from './demo-options.js'
import { createTopicRetrying, generateTransactions, transactionsTableSql, writeToPostgres } from './generator/index.js'
import { lag, type DemoFeed } from './kafka-pipeline.js'
import type { demoNames } from './kafka/demo-names.js'

const HERE = fileURLToPath(new URL('.', import.meta.url))
const SERVICES = fileURLToPath(new URL('../scripts/services.sh', import.meta.url))

/** Kafka Connect at the URL, or (the default one only) started by the project's script. */
async function reachConnect(url: string): Promise<ConnectClient> {
  const client = new ConnectClient(url)
  try {
    await client.connectors()
    return client
  } catch (error) {
    if (url !== 'http://127.0.0.1:8083') throw error
    console.log('Kafka Connect is not running: starting it (scripts/services.sh up connect)')
    execFileSync('bash', [SERVICES, 'up', 'connect'], { stdio: 'inherit' })
    return client
  }
}

/**
 * --cdc: the generator inserts into PostgreSQL's `sluice_demo.transactions`, the Debezium
 * connector streams the rows into a topic of this run, both topologies read it (exactly once,
 * dropping what the connector sends twice), and the detector's alerts also go to a local
 * webhook receiver through the shipped Slack notifier, which prints them.
 */
export function cdcFeed(options: DemoOptions, database: SqlDatabase, names: ReturnType<typeof demoNames>): DemoFeed {
  const receiver = new AlertReceiver((line) => console.log(line))
  const [schema, table] = names.cdcTable.split('.') as [string, string]
  const connector = debeziumPostgresConnector({ name: names.connector, topicPrefix: names.connector, tables: [names.cdcTable], topicPartitions: 1 })
  let connect: ConnectClient | undefined
  const env: NodeJS.ProcessEnv = {}
  const pgUrl = options.pgUrl ?? 'postgres://sluice:sluice@127.0.0.1:5432/sluice'
  return {
    description: `inserting transactions into ${names.cdcTable}; Debezium streams them into ${names.cdcTopic}`,
    topic: names.cdcTopic,
    counts: [join(HERE, 'kafka/cdc-category-counts.ts')],
    anomaly: [join(HERE, 'kafka/cdc-user-anomaly.ts'), '--notify', join(HERE, 'kafka/alerts-notify.ts')],
    env,
    async prepare(admin: Admin) {
      env.SLUICE_SLACK_WEBHOOK_URL = await receiver.start()
      connect = await reachConnect(options.connectUrl)
      await database.query(`DROP TABLE IF EXISTS ${names.cdcTable}`)
      await database.query(transactionsTableSql(names.cdcTable))
      // The worker would create the topic with the first row; the topologies start before that.
      await createTopicRetrying(() => admin.createTopics({ topics: [{ topic: names.cdcTopic, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '-1' }] }], waitForLeaders: true }))
      await connect.register(connector.name, connector.config(databaseAddressOf(pgUrl)))
      await connect.waitUntilRunning(connector.name, 90_000)
      console.log(`connector ${connector.name} RUNNING at ${options.connectUrl}: ${schema}.${table} -> ${names.cdcTopic}`)
    },
    write: () => writeToPostgres(generateTransactions({ seed: options.seed, users: options.users, count: options.count }), { connectionString: pgUrl, table: names.cdcTable }),
    // Every alert of the table delivered to the webhook too.
    finished: (alerts) => receiver.received >= alerts,
    async report(admin: Admin) {
      console.log(`${receiver.received} alerts delivered to the webhook (${receiver.requests} requests)`)
      const lags = await Promise.all([names.countsApplication, names.anomalyApplication].map(async (group) => `${group} ${await lag(admin, group, names.cdcTopic)}`))
      console.log(`lag on ${names.cdcTopic}: ${lags.join(', ')}`)
    },
    async close() {
      await receiver.stop()
      if (!connect) return
      await connect.remove(connector.name).catch(() => undefined)
      // The removed connector's slot would keep PostgreSQL's WAL forever: drop it once it is released.
      const slot = names.connector.toLowerCase().replace(/[^a-z0-9_]/g, '_')
      for (let attempt = 0; attempt < 20; attempt++) {
        const rows = await database.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]).catch(() => [])
        if (rows.length === 0) break
        if (!rows[0]?.active) {
          await database.query('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => undefined)
          break
        }
        await new Promise((resolve) => setTimeout(resolve, 500))
      }
      await database.query(`DROP PUBLICATION IF EXISTS "${slot}"`).catch(() => undefined)
    },
  }
}
