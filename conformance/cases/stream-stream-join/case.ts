import type { ConformanceCase, KnownDifference } from '../../case.js'
import { streamJoinInput } from './input.js'
import { streamStreamJoin, type StreamJoinKind } from './topology.js'

/**
 * Kafka Streams does not drop a record that arrives after its join window has closed (beyond
 * grace): it joins it with what its window stores still hold (they keep before + after + grace
 * of stream time) and, in a left or outer join, emits it unmatched at once if nothing is there.
 * Sluice drops it as late (counted, onLateRecord), so the record it would have joined may be
 * emitted unmatched instead. README, "Joins and tables".
 */
const lateRecords: KnownDifference = {
  name: 'late records: joined or emitted unmatched (Kafka Streams), dropped (Sluice)',
  reason: 'Sluice drops a stream-stream join record later than its window + grace; Kafka Streams joins it with what its stores hold, or emits it unmatched (README: Joins and tables)',
  explains: ({ sluice, kafkaStreams }) => {
    // Results of a late record (its value tagged late-) that only Kafka Streams has.
    if (sluice.length === 0) return kafkaStreams.length > 0 && kafkaStreams.every((record) => /(^|\+)late-[LR]\d+(\+|$)/.test(record.value ?? ''))
    // The record a late one would have joined, unmatched in Sluice only (its key is one of the late joins').
    return kafkaStreams.length === 0 && sluice.every((record) => /-late-join-/.test(record.key) && /^-\+R\d+$|^L\d+\+-$/.test(record.value ?? ''))
  },
}

function joinCase(kind: StreamJoinKind): ConformanceCase {
  return {
    name: `stream-stream-${kind}-join`,
    description: `stream-stream ${kind} join (JoinWindows: time difference 1 s, grace 2 s)`,
    inputs: ['left', 'right'],
    partitions: 3,
    params: { timeDifferenceMs: 1_000, graceMs: 2_000 },
    topology: streamStreamJoin(kind),
    generate: streamJoinInput,
    values: 'string',
    // Every join result is emitted once (unmatched ones once their window closes): all of them count.
    results: 'multiset',
    compareTimestamps: true,
    knownDifferences: [lateRecords],
  }
}

export const streamStreamJoinCases = [joinCase('inner'), joinCase('left'), joinCase('outer')]
