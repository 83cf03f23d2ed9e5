import type { TransactionClient } from './pg-database.js'
import { quoteTable } from './sql.js'

/** Another sink of the same group wrote this partition since this one read its position. */
export class PositionMovedError extends Error {
  constructor(topic: string, partition: number, expected: bigint | undefined) {
    super(`the stored position of ${topic} partition ${partition} is no longer ${expected ?? 'unset'}: another sink of the group wrote it meanwhile`)
    this.name = 'PositionMovedError'
  }
}

/**
 * Moves a partition's stored position from `expected` (what this sink read, undefined for no
 * row yet) to `next`, inside the batch's transaction; throws PositionMovedError, rolling the
 * batch back, when the row holds anything else. Without the check, two sinks that both held
 * the partition for a moment (a rebalance handing it over mid-batch) could both write the same
 * batch, and an insert-only table would get its rows twice.
 */
export async function advanceStoredPosition(
  tx: TransactionClient,
  offsetsTable: string,
  groupId: string,
  position: { topic: string; partition: number; next: string },
  expected: bigint | undefined,
): Promise<void> {
  const table = quoteTable(offsetsTable)
  const key = [groupId, position.topic, position.partition, position.next]
  const changed =
    expected === undefined
      ? await tx.update(`INSERT INTO ${table} (group_id, topic, partition, next_offset, updated_at) VALUES ($1, $2, $3, $4, now()) ON CONFLICT (group_id, topic, partition) DO NOTHING`, key)
      : await tx.update(`UPDATE ${table} SET next_offset = $4, updated_at = now() WHERE group_id = $1 AND topic = $2 AND partition = $3 AND next_offset = $5`, [...key, expected.toString()])
  if (changed !== 1) throw new PositionMovedError(position.topic, position.partition, expected)
}
