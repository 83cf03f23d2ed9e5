import type { TopicPartition } from '../../../base/topic-partition.js'

/** A topic to create: its partition count, replication factor and topic-level configuration. */
export interface NewTopic {
  readonly name: string
  /** Undefined: the broker's default. */
  readonly partitions?: number
  /** Undefined: the broker's default. */
  readonly replicationFactor?: number
  readonly config?: Readonly<Record<string, string>>
}

/** A partition's offset, as Kafka counts them (64-bit). */
export interface PartitionOffset extends TopicPartition {
  readonly offset: bigint
}

/** What a consumer group is doing now. */
export interface GroupDescription {
  readonly groupId: string
  /** Kafka's group state: Empty, Stable, PreparingRebalance, CompletingRebalance, Dead, ... */
  readonly state: string
  readonly members: number
}

/**
 * Cluster administration in Sluice's own terms: topics, offsets, records, groups. Every
 * adapter (one per Kafka client) implements it; nothing else in Sluice speaks a client's API.
 * Errors keep the client's own retriable / broker error code marks (see fault-classification).
 */
export interface AdminClient {
  connect(): Promise<void>
  /** Disconnects; never throws (the broker may be gone). */
  close(): Promise<void>
  listTopics(): Promise<string[]>
  /** Partition counts of the topics that exist (a missing topic fails the call). */
  partitionCounts(topics: readonly string[]): Promise<Map<string, number>>
  /** Creates the topics and resolves once every partition has a leader. */
  createTopics(topics: readonly NewTopic[]): Promise<void>
  deleteTopics(topics: readonly string[]): Promise<void>
  /** The named configuration entries of each topic (its own setting, else the broker's default). */
  topicConfigs(topics: readonly string[], names: readonly string[]): Promise<Map<string, Map<string, string>>>
  /** Each partition's end offset (the offset the next record will get). */
  endOffsets(topic: string): Promise<Map<number, bigint>>
  /**
   * The group's committed offsets of the topics' partitions (undefined: of every topic it has
   * committed offsets for); partitions without one are absent.
   */
  committedOffsets(groupId: string, topics?: readonly string[]): Promise<PartitionOffset[]>
  /** Deletes every record before the given offsets (consumed repartition records). */
  deleteRecordsBefore(topic: string, offsets: readonly { partition: number; offset: bigint }[]): Promise<void>
  describeGroup(groupId: string): Promise<GroupDescription>
  /** Moves the group's committed offsets of a topic back to its earliest records (the group must be empty). */
  resetOffsetsToEarliest(groupId: string, topic: string): Promise<void>
}
