import { topicPartitionKey } from '../../base/topic-partition.js'

/**
 * The next offset per source partition that this instance itself committed last. Under
 * exactly-once the offsets of a transaction become visible to an offset fetch only some time
 * after the transaction completed (kafkajs cannot ask for stable offsets, KIP-447), so a fetch
 * right after a commit, or kafkajs's own at a join, may return an older offset: the records
 * between it and the commit, already counted in the committed state, would be processed twice.
 * Committed offsets only move forward, so the larger of the two is where to resume.
 */
export class CommittedPositions {
  private readonly next = new Map<string, bigint>()

  record(offsets: readonly { topic: string; partition: number; offset: string }[]): void {
    for (const { topic, partition, offset } of offsets) {
      const key = topicPartitionKey({ topic, partition })
      const value = BigInt(offset)
      if (!((this.next.get(key) ?? -1n) >= value)) this.next.set(key, value)
    }
  }

  /** The offset to resume a partition from: the fetched committed offset or this instance's own later one. */
  resumeFrom(topic: string, partition: number, fetched: string | undefined): string | undefined {
    const own = this.next.get(topicPartitionKey({ topic, partition }))
    const group = fetched !== undefined && Number(fetched) >= 0 ? BigInt(fetched) : undefined
    if (own === undefined) return group?.toString()
    return (group === undefined || own > group ? own : group).toString()
  }
}
