import { topicPartitionKey } from '../../base/topic-partition.js'
import type { ChangeRecord } from '../../state/managed-store.js'
import type { KafkaClient } from './client/kafka-client.js'

/** One store partition to bring up to date: replay its changelog from `from` to `to` (exclusive). */
export interface RestoreTarget {
  readonly topic: string
  readonly partition: number
  readonly from: bigint
  readonly to: bigint
  readonly label: string
  apply(records: readonly ChangeRecord[]): Promise<void>
}

const PROGRESS_EVERY_MS = 2000

/**
 * Replays changelog partitions into stores, through a partition reader of the client (no
 * group membership). Logs records and percent on long restores.
 */
export async function restoreChangelogs(
  client: KafkaClient,
  applicationId: string,
  targets: readonly RestoreTarget[],
  options: {
    readCommitted: boolean
    log: (message: string) => void
    partitionCounts: ReadonlyMap<string, number>
    /**
     * Called after each applied batch: the application's consumer sends heartbeats only
     * between its own batches, and a restore runs inside one, so a restore longer than the
     * session timeout would otherwise get the member removed from its group.
     */
    keepAlive?: () => Promise<void>
    /** After each applied batch: records restored by it, and how many remain in all. */
    progress?: (restoredNow: number, remaining: number) => void
    /** After each applied batch: the offsets still to read of the target it belonged to. */
    targetProgress?: (target: RestoreTarget, remainingOffsets: bigint) => void
  },
): Promise<void> {
  const pending = targets.filter((target) => target.to > target.from)
  if (pending.length === 0) return
  const byPartition = new Map(pending.map((target) => [topicPartitionKey(target), target]))
  const total = pending.reduce((sum, target) => sum + Number(target.to - target.from), 0)
  let restored = 0
  let lastReport = Date.now()
  const remaining = new Map<RestoreTarget, bigint>(pending.map((target) => [target, target.to - target.from]))
  options.log(`restoring ${pending.length} store partition(s) from changelogs: ${total} records`)
  options.progress?.(0, total)
  const reader = client.partitionReader({ readCommitted: options.readCommitted, partitionCounts: options.partitionCounts, purpose: `${applicationId}-restore` })
  await reader.read(pending, async (range, records) => {
    const target = byPartition.get(topicPartitionKey(range))
    if (!target) return
    // A change without a key is not a store entry (nothing Sluice writes; skipped as before).
    const changes: ChangeRecord[] = []
    for (const record of records) if (record.key) changes.push({ key: record.key, value: record.value })
    if (changes.length > 0) await target.apply(changes)
    restored += changes.length
    // Offsets, not changes, count down: compacted-away and keyless records are behind us too.
    const left = target.to - (records.length > 0 ? records[records.length - 1].offset + 1n : target.from)
    remaining.set(target, left)
    options.targetProgress?.(target, left > 0n ? left : 0n)
    options.progress?.(changes.length, Number([...remaining.values()].reduce((sum, left) => sum + (left > 0n ? left : 0n), 0n)))
    await options.keepAlive?.()
    if (Date.now() - lastReport >= PROGRESS_EVERY_MS) {
      lastReport = Date.now()
      options.log(`restoring: ${restored}/${total} records (${Math.floor((100 * restored) / total)}%)`)
    }
  })
  options.progress?.(0, 0)
  options.log(`restored ${restored} records`)
}
