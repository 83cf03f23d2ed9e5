import type { FixedKeyRecord } from './fixed-key-record.js'
import type { ProcessorContext } from './processor.js'

/** What a fixed-key processor sees of its task: a ProcessorContext whose forward takes only FixedKeyRecords. */
export interface FixedKeyProcessorContext<KForward = unknown, VForward = unknown> extends Omit<ProcessorContext<KForward, VForward>, 'forward'> {
  /**
   * Sends a record made from one this processor received (`record.withValue(...)`), to every
   * child or only to the named one. A punctuator may forward records kept from earlier calls.
   */
  forward(record: FixedKeyRecord<KForward, VForward>, childName?: string): void
}

/**
 * A processor that may change values, timestamps and headers, never keys (Kafka Streams'
 * FixedKeyProcessor), run by `KStream#processValues`. Since keys stay as they came, a grouping
 * or join after it needs no repartition, unlike after `process`.
 */
export interface FixedKeyProcessor<KIn, VIn, VOut = never> {
  init?(context: FixedKeyProcessorContext<KIn, VOut>): void | Promise<void>
  process(record: FixedKeyRecord<KIn, VIn>): void | Promise<void>
  close?(): void | Promise<void>
}

export type FixedKeyProcessorSupplier<KIn, VIn, VOut = never> = () => FixedKeyProcessor<KIn, VIn, VOut>
