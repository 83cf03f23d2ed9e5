import type { ConformanceCase, KnownDifference } from '../../case.js'
import { streamJoinInput } from './input.js'
import { streamStreamJoin, type StreamJoinKind } from './topology.js'

/**
 * Kafka Streams does not drop a record that arrives after its join window has closed (beyond
 * grace): it joins what its stores still hold and, in a left or outer join, emits it unmatched
 * at once. Sluice drops it as late (counted, onLateRecord). README, "Joins and tables".
 */
const lateRecordsEmittedUnmatched: KnownDifference = {
  name: 'late records emitted unmatched by Kafka Streams',
  reason: 'Sluice drops a stream-stream join record later than its window + grace; Kafka Streams emits it unmatched (README: Joins and tables)',
  explains: (difference) => difference.sluice.length === 0 && difference.kafkaStreams.length > 0 && difference.kafkaStreams.every((record) => /^late-L\d+\+-$|^-\+late-R\d+$/.test(record.value ?? '')),
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
    knownDifferences: kind === 'inner' ? [] : [lateRecordsEmittedUnmatched],
  }
}

export const streamStreamJoinCases = [joinCase('inner'), joinCase('left'), joinCase('outer')]
