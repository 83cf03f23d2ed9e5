import { compareTopicPartitions } from '../../base/topic-partition.js'
import type { AdminClient } from './client/admin-client.js'

/** One partition of a group's topics: how far its committed offset is behind the end. */
export interface PartitionLag {
  readonly topic: string
  readonly partition: number
  /** Undefined: the group has committed nothing for this partition. */
  readonly committed: bigint | undefined
  readonly end: bigint
  /** end - committed; undefined without a committed offset. */
  readonly lag: bigint | undefined
}

export interface GroupLag {
  readonly groupId: string
  readonly state: string
  readonly members: number
  readonly partitions: readonly PartitionLag[]
  /** Sum of the partitions' lags that are known. */
  readonly totalLag: bigint
}

/** The group does not exist: no members and no committed offsets. */
export class UnknownGroupError extends Error {
  override readonly name = 'UnknownGroupError'
}

/**
 * A consumer group's lag per partition of `topics` (undefined: the topics it has committed
 * offsets for), as `kafka-consumer-groups --describe` shows it.
 */
export async function consumerLag(admin: AdminClient, groupId: string, topics?: readonly string[]): Promise<GroupLag> {
  const [group, committed] = await Promise.all([admin.describeGroup(groupId), admin.committedOffsets(groupId, topics)])
  if (group.members === 0 && committed.length === 0 && (group.state === 'Dead' || group.state === 'Empty')) {
    throw new UnknownGroupError(`no consumer group "${groupId}" (no members, no committed offsets)`)
  }
  const names = topics ?? [...new Set(committed.map((entry) => entry.topic))]
  const existing = new Set(await admin.listTopics())
  const partitions: PartitionLag[] = []
  for (const topic of names.filter((name) => existing.has(name))) {
    for (const [partition, end] of await admin.endOffsets(topic)) {
      const offset = committed.find((entry) => entry.topic === topic && entry.partition === partition)?.offset
      partitions.push({ topic, partition, committed: offset, end, lag: offset === undefined ? undefined : end > offset ? end - offset : 0n })
    }
  }
  partitions.sort(compareTopicPartitions)
  return { groupId, state: group.state, members: group.members, partitions, totalLag: partitions.reduce((sum, entry) => sum + (entry.lag ?? 0n), 0n) }
}
