// Where Kafka's default partitioner puts a string key (murmur2 of its bytes), as both systems
// assume for a table a foreign-key join looks up: its subscriptions go to the partition the
// default partitioner picks for the foreign key, and the row must be there.
import { partitionForKey } from '../src/runtime/kafka/default-partitioner.js'

export function defaultPartition(key: string, partitions: number): number {
  return partitionForKey(Buffer.from(key, 'utf8'), partitions)
}
