import type { ConformanceCase } from '../../case.js'
import { foreignKeyJoinInput } from './input.js'
import { foreignKeyJoin, type ForeignKeyJoinKind } from './topology.js'

function joinCase(kind: ForeignKeyJoinKind): ConformanceCase {
  return {
    name: `foreign-key-${kind}-join`,
    description: `foreign-key table ${kind} join`,
    inputs: ['orders', 'products'],
    partitions: 3,
    // Not co-partitioned: a foreign-key join needs not be.
    inputPartitions: { products: 2 },
    params: {},
    topology: foreignKeyJoin(kind),
    generate: foreignKeyJoinInput,
    values: 'string',
    // A joined table: its last row per order (a tombstone: no row).
    results: 'latest-per-key',
    // A row's time is the update that made it in Sluice, in Kafka Streams the later of the two
    // rows' (as in the table-table join); the rows themselves are compared.
    compareTimestamps: false,
  }
}

export const foreignKeyJoinCases = [joinCase('inner'), joinCase('left')]
