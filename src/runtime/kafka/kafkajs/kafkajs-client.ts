import './kafkajs-corrections.js' // corrects kafkajs before it loads
import { Kafka, logLevel } from 'sluice-kafkajs'
import type { AdminClient } from '../client/admin-client.js'
import type { ClientConfig, ClientPart, KafkaClient } from '../client/kafka-client.js'
import type { PartitionReader, PartitionReaderOptions } from '../client/partition-reader.js'
import { KafkajsAdmin } from './kafkajs-admin.js'
import { KafkajsPartitionReader } from './kafkajs-partition-reader.js'

/** Rebalances are routine; their log lines would drown the warnings that matter. */
const ROUTINE = /rebalanc|Response (Heartbeat|OffsetCommit|JoinGroup|SyncGroup)/i

/** kafkajs names the module that logs (Consumer, Runner, Producer, Transaction, Admin, Connection, ...). */
function partOf(namespace: string): ClientPart {
  if (/consumer|runner|group|fetch/i.test(namespace)) return 'consumer'
  if (/producer|transaction|partitioner/i.test(namespace)) return 'producer'
  if (/admin/i.test(namespace)) return 'admin'
  return 'connection'
}

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
      logCreator: () => ({ level, namespace, log: entry }) => {
        if (level === logLevel.ERROR) config.onError?.(partOf(namespace))
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
