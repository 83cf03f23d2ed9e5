import type { AdminClient } from './client/admin-client.js'
import { messageOf } from '../../errors.js'
import { topicPartitionKey } from '../../base/topic-partition.js'

/**
 * Deletes repartition records once their offsets are committed. Repartition topics keep
 * records forever (their event times may be long past, so time retention would delete unread
 * ones); the application itself is their only reader, so what it has committed is garbage.
 * Kafka Streams does the same after its commits.
 */
export class RepartitionPurger {
  private readonly committed = new Map<string, { topic: string; partition: number; offset: string }>()
  private lastPurgeMs = Date.now()
  private purging: Promise<void> | undefined

  constructor(
    private readonly admin: () => AdminClient | undefined,
    private readonly repartitionTopics: ReadonlySet<string>,
    private readonly log: (message: string) => void,
    /** At most this often: each purge is an admin round trip per topic. */
    private readonly intervalMs: number,
  ) {}

  /** Called after consumed offsets were committed (in a transaction too: they are then committed). */
  committedOffsets(offsets: readonly { topic: string; partition: number; offset: string }[]): void {
    for (const entry of offsets) if (this.repartitionTopics.has(entry.topic)) this.committed.set(topicPartitionKey(entry), entry)
    this.purgeIfDue()
  }

  private purgeIfDue(): void {
    if (this.committed.size === 0 || this.purging || Date.now() - this.lastPurgeMs < this.intervalMs) return
    this.lastPurgeMs = Date.now()
    const due = [...this.committed.values()]
    this.committed.clear()
    // In the background: a slow or failed purge only leaves records for the next one.
    this.purging = this.purge(due).finally(() => {
      this.purging = undefined
      // Offsets committed while this purge ran wait for the next one.
      this.purgeIfDue()
    })
  }

  /** Waits for a purge under way, so that closing the admin client does not cut it. */
  async settled(): Promise<void> {
    await this.purging
  }

  private async purge(due: readonly { topic: string; partition: number; offset: string }[]): Promise<void> {
    const admin = this.admin()
    if (!admin) return
    const byTopic = new Map<string, { partition: number; offset: bigint }[]>()
    for (const { topic, partition, offset } of due) byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition, offset: BigInt(offset) }])
    for (const [topic, partitions] of byTopic) {
      try {
        await admin.deleteRecordsBefore(topic, partitions)
      } catch (error) {
        this.log(`purging consumed records of ${topic} failed (retried after the next commits): ${messageOf(error)}`)
      }
    }
  }
}
