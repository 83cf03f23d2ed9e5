import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/** Transaction times in seconds, from a small batch to one that waited on a busy server. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/**
 * The PostgreSQL sink's metrics in Prometheus terms, every series labelled with its group id:
 * rows and batches written, records dead-lettered, retries while PostgreSQL was unavailable,
 * the time of each database transaction, and how far each partition's stored position is
 * behind the end of the topic.
 */
export class SinkMetrics {
  readonly registry = new Registry()
  private readonly rows: Counter
  private readonly batches: Counter
  private readonly deadLettered: Counter
  private readonly retries: Counter
  private readonly latency: Histogram
  private readonly behind: Gauge

  constructor(readonly groupId: string) {
    const registers = [this.registry]
    this.registry.setDefaultLabels({ group_id: groupId })
    this.rows = new Counter({ name: 'sluice_sink_rows_written_total', help: 'Rows written (inserted or upserted), per source topic.', labelNames: ['topic'], registers })
    this.batches = new Counter({ name: 'sluice_sink_batches_total', help: 'Fetched batches written, each in one database transaction with its offsets.', labelNames: ['topic'], registers })
    this.deadLettered = new Counter({ name: 'sluice_sink_records_dead_lettered_total', help: 'Records sent to the dead-letter destination (a row refused, a record unreadable).', labelNames: ['topic'], registers })
    this.retries = new Counter({ name: 'sluice_sink_retries_total', help: 'Attempts repeated because PostgreSQL was unavailable or a conflict was transient.', registers })
    this.latency = new Histogram({ name: 'sluice_sink_db_latency_seconds', help: 'Time of one database transaction writing a batch (rows, dead letters, offsets).', buckets: LATENCY_BUCKETS, registers })
    this.behind = new Gauge({ name: 'sluice_sink_offsets_behind', help: 'Records between the stored position and the end of the partition, as of its last fetch.', labelNames: ['topic', 'partition'], registers })
  }

  batchWritten(topic: string, rows: number, deadLettered: number): void {
    this.batches.inc({ topic })
    if (rows > 0) this.rows.inc({ topic }, rows)
    if (deadLettered > 0) this.deadLettered.inc({ topic }, deadLettered)
  }

  retried(): void {
    this.retries.inc()
  }

  observeTransaction(seconds: number): void {
    this.latency.observe(seconds)
  }

  position(topic: string, partition: number, highWatermark: bigint, next: bigint): void {
    this.behind.set({ topic, partition: String(partition) }, highWatermark > next ? Number(highWatermark - next) : 0)
  }

  text(): Promise<string> {
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }
}
