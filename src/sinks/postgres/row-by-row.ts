import type { TransactionClient } from './pg-database.js'
import { RecordWriteError, refusal, type PendingRow, type RefusedRecord } from './refused-record.js'
import { insertStatements } from './sql.js'
import { isRowRefusal, isTransient } from './sqlstate.js'

/**
 * Writes rows one at a time inside an open transaction, each under a savepoint, after the
 * batch as a whole was refused: a row the server refuses for its values (see isRowRefusal) is
 * rolled back alone and returned, the others stay. In record order, so the last good row per
 * key wins as in the batch. Any other failure (a missing table, a lost connection) is no row's
 * fault: it is thrown, named after the record it happened on unless it is transient.
 */
export async function writeRowByRow(tx: TransactionClient, rows: readonly PendingRow[], heartbeat: () => Promise<void> = async () => undefined): Promise<RefusedRecord[]> {
  const refused: RefusedRecord[] = []
  for (const [index, pending] of rows.entries()) {
    // A large batch row by row takes a while: stay in the consumer group meanwhile.
    if (index % 200 === 199) await heartbeat()
    await tx.query('SAVEPOINT sluice_row')
    try {
      for (const statement of insertStatements(pending.table, [pending.row])) await tx.query(statement.text, statement.values)
      await tx.query('RELEASE SAVEPOINT sluice_row')
    } catch (error) {
      if (isTransient(error)) throw error
      if (!isRowRefusal(error)) throw new RecordWriteError(refusal(pending.record, pending.table.table, error))
      await tx.query('ROLLBACK TO SAVEPOINT sluice_row')
      refused.push(refusal(pending.record, pending.table.table, error))
    }
  }
  return refused
}
