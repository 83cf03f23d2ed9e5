import type { WebhookSinkConfig } from '../sinks/webhook/webhook-sink-config.js'
import type { PostgresSinkConfig } from '../sinks/postgres/sink-config.js'
import { Topology } from '../topology/topology.js'
import { loadDefaultExport } from './load-module.js'

/** A topology file's default export: `export default defineTopology({ applicationId }, (b) => { ... })`. */
export async function loadTopology(file: string): Promise<Topology> {
  const topology = await loadDefaultExport(file)
  if (!(topology instanceof Topology)) {
    throw new Error(`${file} must export a topology as default: export default defineTopology({ applicationId }, (b) => { ... })`)
  }
  return topology
}

/** A sink file's default export: `export default definePostgresSink({ groupId, tables, ... })`. */
export async function loadWebhookSinkConfig(file: string): Promise<WebhookSinkConfig<unknown, unknown>> {
  const config = (await loadDefaultExport(file)) as Partial<WebhookSinkConfig<unknown, unknown>> | undefined
  if (!config || typeof config.groupId !== 'string' || typeof config.topic !== 'string' || typeof config.message !== 'function') {
    throw new Error(`${file} must export a webhook sink as default: export default defineWebhookSink({ groupId, brokers, topic, key, value, url, message })`)
  }
  return config as WebhookSinkConfig<unknown, unknown>
}

export async function loadSinkConfig(file: string): Promise<PostgresSinkConfig> {
  const config = (await loadDefaultExport(file)) as Partial<PostgresSinkConfig> | undefined
  if (!config || typeof config.groupId !== 'string' || !Array.isArray(config.tables)) {
    throw new Error(`${file} must export a sink as default: export default definePostgresSink({ groupId, brokers, connectionString, tables })`)
  }
  return config as PostgresSinkConfig
}
