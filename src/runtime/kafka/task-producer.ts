import './kafkajs/kafkajs-corrections.js' // corrects kafkajs before it loads
import { Partitioners, type Kafka, type Producer } from 'sluice-kafkajs'

/** The broker's default transaction.max.timeout.ms: a longer transaction timeout is refused. */
const MAX_TRANSACTION_TIMEOUT_MS = 900_000

/**
 * A task's transactional producer, connected and with its transactional id initialized.
 * Initializing the id fences a zombie that still holds the task (the broker refuses what it
 * sends from then on) and aborts its open transaction, which would otherwise hold back the
 * changelog's end. Transactions may stay open from one commit to the next (at-least-once).
 */
export async function createTaskProducer(kafka: Kafka, transactionalId: string, commitIntervalMs: number): Promise<Producer> {
  const producer = kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    transactionTimeout: Math.min(MAX_TRANSACTION_TIMEOUT_MS, Math.max(60_000, 3 * commitIntervalMs)),
    // kafkajs backs off 300 ms on CONCURRENT_TRANSACTIONS right after a commit by default;
    // an idempotent producer must not give up retrying (kafkajs warns otherwise).
    retry: { initialRetryTime: 10, retries: Number.MAX_SAFE_INTEGER },
  })
  await producer.connect()
  try {
    const fence = await producer.transaction()
    await fence.abort()
  } catch (error) {
    await producer.disconnect().catch(() => undefined)
    throw error
  }
  return producer
}
