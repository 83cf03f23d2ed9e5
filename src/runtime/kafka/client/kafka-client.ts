import type { AdminClient } from './admin-client.js'
import type { PartitionReader, PartitionReaderOptions } from './partition-reader.js'

/** How the runtime reports a client's own log lines. */
export type ClientLog = (message: string) => void

/** Where and as whom a client connects. */
export interface ClientConfig {
  readonly clientId: string
  readonly brokers: readonly string[]
  /** Warnings and errors of the client itself; undefined: dropped. */
  readonly log?: ClientLog
}

/**
 * Makes the Kafka clients an application, a sink or a command needs (as Kafka Streams'
 * KafkaClientSupplier): one implementation per Kafka client library, chosen by configuration.
 * The runtime holds one and asks it for clients; it never imports a client library itself.
 */
export interface KafkaClient {
  /** The client library behind it, for logs and errors ("kafkajs"). */
  readonly library: string
  admin(): AdminClient
  /** Reads ranges of partitions without a group (restores). */
  partitionReader(options: PartitionReaderOptions): PartitionReader
}
