/** One partition of one topic. */
export interface TopicPartition {
  readonly topic: string
  readonly partition: number
}

/**
 * `<topic>:<partition>`, e.g. `orders:3`: the key of every map kept per topic-partition
 * (committed offsets, positions, changelog ends). Kafka topic names cannot hold `:`, and a key
 * is parsed at its last `:` anyway. Only the global stores' checkpoint persists them (offsets per
 * partition of their topics); everything else keeps them in memory.
 */
export function topicPartitionKey({ topic, partition }: TopicPartition): string {
  return `${topic}:${partition}`
}

/** The topic-partition a key names; throws, naming the key, on anything else. */
export function parseTopicPartitionKey(key: string): TopicPartition {
  const at = typeof key === 'string' ? key.lastIndexOf(':') : -1
  const topic = at > 0 ? key.slice(0, at) : ''
  const digits = at > 0 ? key.slice(at + 1) : ''
  const partition = Number(digits)
  if (topic === '' || !/^(0|[1-9]\d*)$/.test(digits) || !Number.isSafeInteger(partition)) {
    throw new Error(`malformed topic-partition key ${JSON.stringify(key)}: expected <topic>:<partition>, a partition that is a non-negative integer, such as "orders:3"`)
  }
  return { topic, partition }
}

/** By topic (code unit order, not locale-dependent), then partition numerically (orders:2 before orders:10). */
export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1
  return a.partition - b.partition
}
