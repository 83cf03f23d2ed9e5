import './kafkajs/kafkajs-corrections.js' // corrects kafkajs before it loads
import type { Producer, ProducerBatch, RecordMetadata, Transaction } from 'sluice-kafkajs'
import type { BatchSender } from './buffered-collector.js'

/**
 * At-least-once: a task's records since its last commit, sent in one transaction of the
 * task's own transactional producer. The transaction is not there for atomicity (offsets are
 * committed by the consumer afterwards, so a crash in between counts records twice, as
 * at-least-once allows) but for fencing: a member that was paused past its session and lost
 * the task may still have a request under way when it resumes (its bytes half written, or a
 * send begun after its last membership check), and no check on this side can stop bytes
 * already handed to the socket. The new owner's producer, on creation, bumps the transactional
 * id's epoch and aborts the paused member's transaction, and the broker then refuses anything
 * it sends, so its stale counts never land after the new owner's.
 *
 * The transaction begins with the first batch after a commit; commit() and abort() end it.
 */
export class TaskTransaction implements BatchSender {
  private current: Transaction | undefined
  private beginning: Promise<Transaction> | undefined

  constructor(private readonly producer: Producer) {}

  async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    const transaction = this.current ?? (await this.begin())
    return transaction.sendBatch(batch)
  }

  /** Commits what was sent since the last commit; nothing to do when nothing was. */
  async commit(): Promise<void> {
    const transaction = this.current ?? (await this.beginning)
    this.current = undefined
    this.beginning = undefined
    if (transaction) await transaction.commit()
  }

  /** Aborts the open transaction, if any; a failure is ignored (the next owner's fence aborts it anyway). */
  async abort(): Promise<void> {
    const transaction = this.current ?? (await this.beginning?.catch(() => undefined))
    this.current = undefined
    this.beginning = undefined
    if (transaction) await transaction.abort().catch(() => undefined)
  }

  private begin(): Promise<Transaction> {
    this.beginning ??= this.producer.transaction().then(
      (transaction) => {
        this.current = transaction
        this.beginning = undefined
        return transaction
      },
      (error: unknown) => {
        this.beginning = undefined
        throw error
      },
    )
    return this.beginning
  }
}
