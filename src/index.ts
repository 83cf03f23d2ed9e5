// Sluice's public API. Everything else under src/ is internal and may change.

import './runtime/kafka/kafkajs/kafkajs-corrections.js' // corrects kafkajs before anything loads it

export { defineTopology, StreamsBuilder, type StreamOptions, type TableOptions, type TopologyConfig } from './dsl/streams-builder.js'
export { KStream, type DeduplicateOptions, type GroupedOptions, type KeyValuePair, type Named, type ProcessOptions, type ToOptions } from './dsl/kstream.js'
export type { IdExtractor } from './dsl/processors/deduplicate.js'
export { BranchedKStream } from './dsl/branched-kstream.js'
export { KGroupedStream, type AggregateOptions, type MaterializedOptions, type ReduceOptions } from './dsl/kgrouped-stream.js'
export { TimeWindowedKStream, type WindowedOptions } from './dsl/time-windowed-kstream.js'
export { KTable } from './dsl/ktable.js'
export { KGroupedTable, type TableGroupedOptions } from './dsl/kgrouped-table.js'
export type { TableJoinedOptions, TableOperationOptions } from './dsl/table-operations.js'
export { TimeWindows, TimeWindowsWithoutGrace } from './dsl/time-windows.js'
export { SessionWindows } from './dsl/session-windows.js'
export { Suppressed, type BufferConfig, type BufferFullStrategy } from './dsl/suppressed.js'
export type { SuppressOptions } from './dsl/suppress-table.js'
export { SessionWindowedKStream } from './dsl/session-windowed-kstream.js'
export { SlidingWindows } from './dsl/sliding-windows.js'
export { SlidingWindowedKStream } from './dsl/sliding-windowed-kstream.js'
export { CogroupedKStream } from './dsl/cogrouped-kstream.js'
export { TimeWindowedCogroupedKStream } from './dsl/time-windowed-cogrouped-kstream.js'
export { SessionWindowedCogroupedKStream } from './dsl/session-windowed-cogrouped-kstream.js'
export { SlidingWindowedCogroupedKStream } from './dsl/sliding-windowed-cogrouped-kstream.js'
export type { Aggregator } from './dsl/processors/key-value-aggregate.js'
export type { Merger } from './dsl/processors/session-aggregate.js'
export type { ValueAndTimestamp } from './serde/value-and-timestamp.js'
export { JoinWindows } from './dsl/join-windows.js'
export type { StreamJoinedOptions } from './dsl/stream-stream-join.js'
export type { JoinLateRecordHandler, JoinSide } from './dsl/processors/stream-stream-join.js'
export { toMillis, type Duration } from './base/duration.js'
export type { EmitStrategy, LateRecordHandler } from './dsl/processors/window-aggregate.js'

export { Record } from './processor/record.js'
export type { Cancellable, Processor, ProcessorContext, ProcessorSupplier, PunctuationType, Punctuator } from './processor/processor.js'

export { TopologyBuilder, type SinkOptions, type SourceOptions } from './topology/topology-builder.js'
export { Topology, type Subtopology } from './topology/topology.js'
export type { Partitioner, TimestampExtractor } from './topology/nodes.js'

export { Stores, type KeyValueStoreOptions, type WindowStoreOptions } from './state/stores.js'
export type { SessionStoreOptions } from './state/stores.js'
export type { KeyValue, KeyValueStore, StateStore, StoreSpec, WindowStore } from './state/store.js'
export type { SessionStore } from './state/store.js'
export type { TimeWindow, Windowed } from './base/windowed.js'
export type { BackendKind } from './state/backend.js'
export { deleteApplicationState, UnsafeDeleteError } from './state/safe-delete.js'

export { serdes } from './serde/serdes.js'
export type { Headers, Serde } from './serde/serde.js'

export { DeserializationError, ProcessingError, TopologyError, type RecordPosition } from './errors.js'
export { DEAD_LETTER_HEADERS } from './runtime/dead-letter.js'
export type { TaskMetrics } from './processor/task-metrics.js'


export { KafkaStreams, type StreamsState } from './runtime/kafka/kafka-streams.js'
export type { ReadOnlyKeyValueStore, ReadOnlyWindowStore } from './state/query/read-only-stores.js'
export type { ReadOnlySessionStore } from './state/query/read-only-stores.js'
export { StoreUnavailableError, UnknownStoreError } from './state/query/store-errors.js'
export type { ProcessingGuarantee, StreamsConfig } from './runtime/streams-config.js'
export { WebhookSink, WEBHOOK_DEAD_LETTER_HEADERS } from './sinks/webhook/webhook-sink.js'
export { defineWebhookSink, type WebhookRecordPosition, type WebhookSinkConfig } from './sinks/webhook/webhook-sink-config.js'

// Types the public signatures above refer to (what a Topology, a store option or a running config holds).
export type { ResolvedStreamsConfig } from './runtime/streams-config.js'
export type { InternalTopic, ProcessorNode, SinkNode, SourceNode, TopologyNode } from './topology/nodes.js'
export type { AnyStoreSpec } from './state/store.js'
