import { Counter, Histogram, Registry } from 'prom-client'

/** From a receiver answering at once to one that was down for minutes. */
const DELIVERY_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

/** The webhook sink's metrics, labelled with its group id: delivered, skipped, retried, dead-lettered, time to deliver. */
export class WebhookMetrics {
  readonly registry = new Registry()
  private readonly delivered: Counter
  private readonly skipped: Counter
  private readonly retries: Counter
  private readonly deadLettered: Counter
  private readonly deliverySeconds: Histogram

  constructor(readonly groupId: string) {
    const registers = [this.registry]
    this.registry.setDefaultLabels({ group_id: groupId })
    this.delivered = new Counter({ name: 'sluice_webhook_delivered_total', help: 'Records the webhook took (2xx).', registers })
    this.skipped = new Counter({ name: 'sluice_webhook_skipped_total', help: 'Records not sent: their message was null (a level not sent, say).', registers })
    this.retries = new Counter({ name: 'sluice_webhook_retries_total', help: 'Requests repeated, by why: retry (no answer, 408, 5xx), rate-limited (429), refused (other 4xx, before giving up).', labelNames: ['reason'], registers })
    this.deadLettered = new Counter({ name: 'sluice_webhook_dead_lettered_total', help: 'Records sent to the dead-letter topic: unreadable, or refused by the webhook for good.', registers })
    this.deliverySeconds = new Histogram({ name: 'sluice_webhook_delivery_seconds', help: 'From the first request of a record to its delivery, retries included.', buckets: DELIVERY_BUCKETS, registers })
  }

  deliveredIn(seconds: number): void {
    this.delivered.inc()
    this.deliverySeconds.observe(seconds)
  }

  skippedOne(): void {
    this.skipped.inc()
  }

  retried(reason: 'retry' | 'rate-limited' | 'refused'): void {
    this.retries.inc({ reason })
  }

  deadLetteredOne(): void {
    this.deadLettered.inc()
  }

  text(): Promise<string> {
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }
}
