import type { Serde } from './serde.js'

/**
 * A serde that also carries `null`: a null value is written as a null payload (a tombstone)
 * and a null payload is read as `null`, without asking the inner serde, as Kafka's own
 * serializers treat null. For tables whose updates include deletions, such as session windows
 * (a session merged into another is deleted). Everything else the inner serde carries (its
 * prepare steps, its Avro schema) is kept.
 */
export function nullableSerde<T>(inner: Serde<T>): Serde<T | null> {
  return {
    ...inner,
    name: `nullable(${inner.name})`,
    serialize: (topic, value, headers) => (value === null ? null : inner.serialize(topic, value, headers)),
    deserialize: (topic, data, headers) => (data === null ? null : inner.deserialize(topic, data, headers)),
  }
}
