import type { AdminClient } from './admin-client.js'
import type { PartitionReader, PartitionReaderOptions } from './partition-reader.js'

/** How the runtime reports a client's own log lines. */
export type ClientLog = (message: string) => void

/** Which of a client's parts an error it reported came from. */
export type ClientPart = 'consumer' | 'producer' | 'admin' | 'connection'

/** Where and as whom a client connects. */
export interface ClientConfig {
  readonly clientId: string
  readonly brokers: readonly string[]
  /** Warnings and errors of the client itself; undefined: dropped. */
  readonly log?: ClientLog
  /** Called for every error the client reports itself (the metrics' producer and consumer errors). */
  readonly onError?: (part: ClientPart) => void
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
