// kafkajs 2.2.4 drops records of aborted transactions in consumer/filterAbortedMessages.js,
// but it enters at most one aborted transaction per record: when a fetch starts exactly at
// the first offset of an aborted transaction and an earlier-starting aborted transaction of
// another producer is also listed, the first record(s) of the second one get through a
// read-committed consumer. Under exactly-once that surfaced as an extra count after a crash
// (a fenced task's aborted repartition records read by the next owner). This installs a
// corrected filter in kafkajs's place (see kafkajs-corrections.ts).

interface FetchedMessage {
  offset: string
  key: Buffer | null
  isControlRecord?: boolean
  batchContext: { producerId: string; inTransaction: boolean }
}

interface AbortedTransaction {
  firstOffset: string
  producerId: string
}

const ABORT_MARKER_KEY = Buffer.from([0, 0, 0, 0])

/** Records that are not part of an aborted transaction (control records are dropped by kafkajs afterwards). */
export function filterAbortedMessages({ messages, abortedTransactions }: { messages: FetchedMessage[]; abortedTransactions?: AbortedTransaction[] }): FetchedMessage[] {
  if (!abortedTransactions || abortedTransactions.length === 0) return messages
  const pending = [...abortedTransactions].sort((a, b) => (BigInt(a.firstOffset) < BigInt(b.firstOffset) ? -1 : 1))
  const aborting = new Set<string>()
  return messages.filter((message) => {
    // Every aborted transaction that has begun by this offset, not just the next one.
    while (pending.length > 0 && BigInt(message.offset) >= BigInt(pending[0].firstOffset)) aborting.add(String(pending.shift()?.producerId))
    const { producerId, inTransaction } = message.batchContext
    if (message.isControlRecord === true && message.key !== null && Buffer.from(message.key).equals(ABORT_MARKER_KEY)) {
      aborting.delete(String(producerId))
      return true
    }
    return !(inTransaction && aborting.has(String(producerId)))
  })
}
