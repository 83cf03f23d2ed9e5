/** Counters a task keeps; the runtime and the test driver expose them. */
export class TaskMetrics {
  /** Input records taken from the source topics. */
  recordsProcessed = 0
  /** Records written to the topology's output topics (repartition topics not counted). */
  recordsProduced = 0
  /** Records that arrived after their window had closed (stream time >= end + grace). */
  lateRecordsDropped = 0
  /** Records a failure handler chose to skip (for example sent to a dead-letter topic). */
  recordsSkipped = 0
  /** Records a deduplicating processor dropped because it had seen their id already. */
  duplicatesDropped = 0
  /** Foreign-key join answers dropped because the left row's value changed since it subscribed. */
  foreignKeyResponsesDropped = 0
  punctuations = 0
  /** Aggregation updates the update cache absorbed: a later update of the same key replaced them before the commit. */
  updateCacheHits = 0
  /** Held updates forwarded before the commit because the update cache was full. */
  updateCacheEvictions = 0
  /** Bytes the task's update caches hold now (a level: not carried over from closed tasks). */
  updateCacheBytes = 0

  /** Adds another task's counters, and its levels unless they are a closed task's (which hold nothing any more). */
  add(other: TaskMetrics, levels = true): void {
    if (levels) this.updateCacheBytes += other.updateCacheBytes
    this.recordsProcessed += other.recordsProcessed
    this.recordsProduced += other.recordsProduced
    this.lateRecordsDropped += other.lateRecordsDropped
    this.recordsSkipped += other.recordsSkipped
    this.duplicatesDropped += other.duplicatesDropped
    this.foreignKeyResponsesDropped += other.foreignKeyResponsesDropped
    this.punctuations += other.punctuations
    this.updateCacheHits += other.updateCacheHits
    this.updateCacheEvictions += other.updateCacheEvictions
  }
}
