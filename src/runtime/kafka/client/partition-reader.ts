import type { TopicPartition } from '../../../base/topic-partition.js'

/** Records of one partition to read: from `from` (inclusive) to `to` (exclusive). */
export interface PartitionRange extends TopicPartition {
  readonly from: bigint
  readonly to: bigint
}

/** A record as read from a partition. */
export interface ReadRecord {
  readonly offset: bigint
  readonly key: Buffer | null
  readonly value: Buffer | null
}

export interface PartitionReaderOptions {
  /** Skip records of aborted transactions (exactly-once changelogs). */
  readonly readCommitted: boolean
  /** Partition counts of the topics read, so that the partitions not wanted are left alone. */
  readonly partitionCounts: ReadonlyMap<string, number>
  /** Names what the reader is for, in the group or client id a client may need for it. */
  readonly purpose: string
}

/**
 * Reads given ranges of partitions without joining the application's group (restoring stores,
 * inspecting topics). Each range's records come in offset order, batch by batch; a range ends
 * once the partition's position has passed `to` (transaction markers and aborted records count).
 */
export interface PartitionReader {
  /**
   * Resolves when every range has been read to its end; rejects on the first failure, of the
   * client or of `onRecords` (nothing more is read then). Ranges with `to <= from` are skipped.
   */
  read(ranges: readonly PartitionRange[], onRecords: (range: PartitionRange, records: readonly ReadRecord[]) => Promise<void>): Promise<void>
}
