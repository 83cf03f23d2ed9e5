import type { TopicPartition } from '../../../base/topic-partition.js'

/** Records of one partition to read: from `from` (inclusive) to `to` (exclusive). */
export interface PartitionRange extends TopicPartition {
  readonly from: bigint
  readonly to: bigint
}

/** Where to start reading a partition, with no end. */
export interface PartitionStart extends TopicPartition {
  readonly from: bigint
}

/** A record as read from a partition. */
export interface ReadRecord {
  readonly offset: bigint
  readonly key: Buffer | null
  readonly value: Buffer | null
  /** Headers, last value of each (only follow() reads them). */
  readonly headers?: { readonly [name: string]: Buffer | string | undefined }
}

/** What a follower hands on as it reads. */
export interface FollowHandlers {
  /** A fetched batch of one partition's records, in offset order; the next batch of that partition waits for it. */
  onRecords(partition: TopicPartition, records: readonly ReadRecord[]): Promise<void>
  /**
   * After each batch (one of transaction markers or aborted records only too), once it was
   * handed on: the partition's next offset to read.
   */
  onPosition(partition: TopicPartition, nextOffset: bigint): void
}

/** A reader that goes on until stopped (a global store's). */
export interface PartitionFollower {
  /** Settles when the follower ends: resolves after stop(), rejects on the first failure of the client or of a handler. */
  readonly ended: Promise<void>
  /** Stops reading; resolves once the reader is gone (a batch being handed on finishes first). */
  stop(): Promise<void>
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
 * inspecting topics), or follows partitions as they grow (global stores). Each range's records come in offset order, batch by batch; a range ends
 * once the partition's position has passed `to` (transaction markers and aborted records count).
 */
export interface PartitionReader {
  /**
   * Resolves when every range has been read to its end; rejects on the first failure, of the
   * client or of `onRecords` (nothing more is read then). Ranges with `to <= from` are skipped.
   */
  read(ranges: readonly PartitionRange[], onRecords: (range: PartitionRange, records: readonly ReadRecord[]) => Promise<void>): Promise<void>
  /** Reads the partitions from their starts on, without end, until stopped (see PartitionFollower). */
  follow(starts: readonly PartitionStart[], handlers: FollowHandlers): PartitionFollower
}
