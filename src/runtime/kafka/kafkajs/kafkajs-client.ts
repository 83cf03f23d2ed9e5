import './kafkajs-corrections.js' // corrects kafkajs before it loads
import { Kafka, logLevel } from 'sluice-kafkajs'
import type { AdminClient } from '../client/admin-client.js'
import type { ClientConfig, KafkaClient } from '../client/kafka-client.js'
import type { PartitionReader, PartitionReaderOptions } from '../client/partition-reader.js'
import { KafkajsAdmin } from './kafkajs-admin.js'
import { KafkajsPartitionReader } from './kafkajs-partition-reader.js'

/** Rebalances are routine; their log lines would drown the warnings that matter. */
const ROUTINE = /rebalanc|Response (Heartbeat|OffsetCommit|JoinGroup|SyncGroup)/i

/** The Kafka client on kafkajs (Sluice's own pinned copy, with its corrections). */
export class KafkajsClient implements KafkaClient {
  readonly library = 'kafkajs'
  /**
   * The kafkajs instance, for the parts of the runtime that still use kafkajs's consumer and
   * producer directly (group sessions and producers); they move behind the interface
   * next, and this goes.
   */
  readonly kafkajs: Kafka

  constructor(config: ClientConfig) {
    const verbose = process.env.SLUICE_KAFKA_LOG === 'debug'
    const log = config.log
    this.kafkajs = new Kafka({
      clientId: config.clientId,
      brokers: [...config.brokers],
      logLevel: verbose ? logLevel.DEBUG : log ? logLevel.WARN : logLevel.NOTHING,
      logCreator: () => ({ level, log: entry }) => {
        if (!log) return
        const text = `${entry.message}${entry.error ? ` (${String(entry.error)})` : ''}`
        if (verbose) return log(`kafka[${level}]: ${text}`)
        if (level > logLevel.WARN || ROUTINE.test(text)) return
        log(`kafka: ${text}`)
      },
    })
  }

  admin(): AdminClient {
    return new KafkajsAdmin(this.kafkajs.admin())
  }

  partitionReader(options: PartitionReaderOptions): PartitionReader {
    return new KafkajsPartitionReader(this.kafkajs, options)
  }
}
