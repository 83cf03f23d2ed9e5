// What one conformance case is: a Sluice topology, its Kafka Streams twin (a class in
// conformance/kafka-streams, found by the case's name), a seeded input generator, and how their
// final results are compared. Adding a case (a foreign-key join, a stream-global join) takes a
// folder under cases/, a Java class registered in Main.java, and a line in cases.ts.
import type { Topology } from 'sluice'

/** The topics and application id of one side's run of a case. */
export interface CaseNames {
  readonly applicationId: string
  /** Input topics by the case's logical names (`events`, `left`, `right`). */
  readonly inputs: Readonly<Record<string, string>>
  readonly output: string
}

/** One input record; its timestamp is the Kafka record's timestamp, event time on both sides. */
export interface InputRecord {
  readonly input: string
  readonly key: string
  /** null: a tombstone (a table delete). */
  readonly value: string | null
  readonly timestamp: number
  /** Given explicitly, the same for a key on every input: co-partitioned, and the generator knows each partition's order. */
  readonly partition: number
}

/**
 * Input arrives in phases: the runner produces a phase only after both applications have
 * committed everything before it. Within a phase the two systems may interleave the partitions
 * of different topics differently (Kafka Streams by timestamp, Sluice by fetch), so a generator
 * puts into one phase only what gives the same results in any interleaving.
 */
export type InputPhase = readonly InputRecord[]

/** An output record, decoded: the key (windowed keys as `key@start-end`), the value (null: a tombstone), the timestamp. */
export interface OutputRecord {
  readonly key: string
  readonly value: string | null
  readonly timestamp: number
}

/**
 * What "final results" are:
 * - `latest-per-key`: a table's (aggregation's, join's) last record per key, a tombstone removing
 *   the key. Both systems forward updates through a cache flushed at commits, so how many
 *   intermediate updates come out differs; the last one per key does not.
 * - `multiset`: every record, counted (a stream's results: each is emitted once).
 */
export type FinalResults = 'latest-per-key' | 'multiset'

/** A difference between the two systems' final results: a key (or record) with what each side has. */
export interface Difference {
  readonly id: string
  readonly sluice: readonly OutputRecord[]
  readonly kafkaStreams: readonly OutputRecord[]
}

/** A difference the project knows of and documents: named, with the records it covers. */
export interface KnownDifference {
  readonly name: string
  /** Where it is documented, and why Sluice differs. */
  readonly reason: string
  /** True for a difference this known difference explains (the case's input and parameters at hand). */
  readonly explains: (difference: Difference, input: readonly InputPhase[], params: Readonly<Record<string, number>>) => boolean
}

export interface ConformanceCase {
  /** Also the Kafka Streams case's name (Main.java). */
  readonly name: string
  readonly description: string
  /** Logical names of the input topics. */
  readonly inputs: readonly string[]
  /** Partitions of every input topic (co-partitioned) and of the output topics. */
  readonly partitions: number
  /** Inputs with another partition count (a global table's topic, say). */
  readonly inputPartitions?: Readonly<Record<string, number>>
  /** How many of the first phases are produced before the applications start (a global table both bootstrap). */
  readonly preloadPhases?: number
  /** Inputs read by a global table: no group commits offsets on them, so they are not waited on. */
  readonly globalInputs?: readonly string[]
  /** Window sizes, grace periods: given to both topologies, so the two cannot drift apart. */
  readonly params: Readonly<Record<string, number>>
  readonly topology: (names: CaseNames, params: Readonly<Record<string, number>>) => Topology
  readonly generate: (seed: number, params: Readonly<Record<string, number>>) => readonly InputPhase[]
  /** How output values are written: strings, or 8-byte big-endian longs (counts). */
  readonly values: 'string' | 'long'
  readonly results: FinalResults
  /** Whether timestamps are part of the compared records (see each case for why not). */
  readonly compareTimestamps: boolean
  readonly knownDifferences?: readonly KnownDifference[]
}
