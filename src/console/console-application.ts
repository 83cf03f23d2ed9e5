import type { ApplicationStatus, DeadLetterEntry, OutputEntry } from '../runtime/status/application-status.js'
import type { LocalStoreQueries } from '../runtime/query/local-store-queries.js'
import type { ReadOnlyWindowStore } from '../state/query/read-only-stores.js'
import type { Topology } from '../topology/topology.js'

/** What the console reads of a running application (KafkaStreams is one). */
export interface ConsoleApplication {
  readonly topology: Topology
  readonly config: { readonly deadLetterTopic: string | undefined }
  readonly storeQueries: LocalStoreQueries
  status(): ApplicationStatus
  recentDeadLetters(): readonly DeadLetterEntry[]
  recentOutputs(): { readonly [topic: string]: readonly OutputEntry[] }
  windowStore<K = unknown, V = unknown>(name: string): ReadOnlyWindowStore<K, V>
  prometheusMetrics(): Promise<string>
}
