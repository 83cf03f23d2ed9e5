// The Sluice side: the case's topology in-process, on the same broker, with the settings the
// Kafka Streams side has (at-least-once, commits every 100 ms, default caches).
import { rm } from 'node:fs/promises'
import { KafkaStreams, type Topology } from 'sluice'

export class SluiceCase {
  private readonly streams: KafkaStreams
  private readonly output: string[] = []

  constructor(
    topology: Topology,
    brokers: readonly string[],
    private readonly stateDir: string,
  ) {
    this.streams = new KafkaStreams(topology, { brokers: [...brokers], stateDir, processingGuarantee: 'at_least_once', commitIntervalMs: 100, autoOffsetReset: 'earliest', log: (message) => this.output.push(message) })
  }

  start(): Promise<void> {
    return this.streams.start()
  }

  get error(): Error | undefined {
    return this.streams.error
  }

  get log(): string {
    return this.output.join('\n')
  }

  get lateRecordsDropped(): number {
    return this.streams.metrics().lateRecordsDropped
  }

  async stop(): Promise<void> {
    await this.streams.close()
    await rm(this.stateDir, { recursive: true, force: true })
  }
}
