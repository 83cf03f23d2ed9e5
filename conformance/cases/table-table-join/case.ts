import type { ConformanceCase, KnownDifference } from '../../case.js'
import { tableJoinInput } from './input.js'
import { tableTableJoin, type TableJoinKind } from './topology.js'

/**
 * A table-table join's row carries the timestamp of the update that made it in Sluice; Kafka
 * Streams gives it the later of the two sides' timestamps (src/dsl/processors/table-operations.ts).
 */
const rowTimestamps: KnownDifference = {
  name: 'row timestamp: the update\'s (Sluice), the later side\'s (Kafka Streams)',
  reason: "Sluice's table stores keep no timestamps, so a joined row has its update's time (tableJoinSideProcessor)",
  explains: ({ sluice, kafkaStreams }) =>
    sluice.length === 1 && kafkaStreams.length === 1 && sluice[0].value === kafkaStreams[0].value && sluice[0].timestamp < kafkaStreams[0].timestamp,
}

function joinCase(kind: TableJoinKind): ConformanceCase {
  return {
    name: `table-table-${kind}-join`,
    description: `table-table ${kind} join`,
    inputs: ['left', 'right'],
    partitions: 3,
    params: {},
    topology: tableTableJoin(kind),
    generate: tableJoinInput,
    values: 'string',
    // A joined table: its last row per key (a tombstone: no row).
    results: 'latest-per-key',
    compareTimestamps: true,
    knownDifferences: [rowTimestamps],
  }
}

export const tableTableJoinCases = [joinCase('inner'), joinCase('left'), joinCase('outer')]
