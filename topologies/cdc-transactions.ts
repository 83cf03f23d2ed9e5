import type { Duration, KStream, StreamsBuilder } from 'sluice'
import { debeziumKeySerde, debeziumRows, debeziumSerde, type DebeziumChange } from 'sluice/debezium'
import { isValidTransaction, transactionTime } from './transaction-check.js'
import type { Transaction } from './transaction.js'

/** The topic Debezium writes the `transactions` table to (see transactions-connector.ts). */
export const CDC_TRANSACTIONS_TOPIC = 'dbserver1.public.transactions'

export interface CdcTransactionsOptions {
  topic?: string
  /** How long a transaction id is remembered to drop a change the connector sends again (default 7 days of event time). */
  dedupeRetention?: Duration
  /** Name of the store of seen transaction ids (default `seen-transactions`). */
  dedupeStore?: string
}

/** A change's event time: the row's own (`unix_time`), else when it happened in the database (a delete). */
function changeTime(change: DebeziumChange<Transaction> | null, key: unknown, recordTimestamp: number): number {
  if (change?.after) return transactionTime(change.after, key, recordTimestamp)
  return change?.sourceTsMs ?? recordTimestamp
}

/**
 * Transactions from the Debezium topic of the `transactions` table, once each:
 * - inserts (`c`) and the rows of the initial snapshot (`r`) are transactions;
 * - updates (`u`) and deletes (`d`) are not counted or scored again: a card transaction is a
 *   fact, a correction of its row does not make a second one (they pass as processed records);
 * - a row that lacks a field the topologies read fails with the reason (dead-lettered with a
 *   dead-letter topic), as on the JSON topic;
 * - a change the connector sends again (it delivers at least once: after a crash or restart it
 *   resumes from its last flushed offset) is dropped by transaction id, within the retention,
 *   and counted as a duplicate (`sluice_duplicates_dropped_total`). Debezium keys the topic by
 *   the primary key, so both copies come through the same partition and task.
 * The stream stays keyed by Debezium's key (`{ trans_num }`).
 */
export function cdcTransactions(b: StreamsBuilder, options: CdcTransactionsOptions = {}): KStream<{ trans_num: string } | null, Transaction> {
  return b
    .stream(options.topic ?? CDC_TRANSACTIONS_TOPIC, {
      key: debeziumKeySerde<{ trans_num: string }>(),
      value: debeziumSerde<Transaction>({ validate: isValidTransaction }),
      timestamp: changeTime,
    })
    .flatMapValues(debeziumRows<Transaction>({ updates: 'skip' }), { name: 'inserted-rows' })
    .deduplicate((_key, tx) => tx.trans_num, { retention: options.dedupeRetention ?? '7d', store: options.dedupeStore ?? 'seen-transactions', name: 'drop-resent-changes' })
}
