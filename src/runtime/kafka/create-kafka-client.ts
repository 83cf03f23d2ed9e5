import type { ClientConfig, KafkaClient } from './client/kafka-client.js'
import { KafkajsClient } from './kafkajs/kafkajs-client.js'

/** The Kafka client Sluice's commands use (one library today: kafkajs; a second one is to come). */
export function createKafkaClient(config: ClientConfig): KafkaClient {
  return new KafkajsClient(config)
}
