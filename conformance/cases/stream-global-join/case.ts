import type { ConformanceCase } from '../../case.js'
import { globalJoinInput } from './input.js'
import { streamGlobalJoin, type GlobalJoinKind } from './topology.js'

function joinCase(kind: GlobalJoinKind): ConformanceCase {
  return {
    name: `stream-global-${kind}-join`,
    description: `stream-global ${kind} join`,
    inputs: ['products', 'orders'],
    partitions: 3,
    // The global table's topic is not co-partitioned with the stream: it needs not be.
    inputPartitions: { products: 4 },
    // The products, before either application starts: both bootstrap them whole first.
    preloadPhases: 1,
    // Read by a global reader, which commits no offsets for the group to be waited on.
    globalInputs: ['products'],
    params: {},
    topology: streamGlobalJoin(kind),
    generate: globalJoinInput,
    values: 'string',
    // A stream's results: each order's join is emitted once.
    results: 'multiset',
    compareTimestamps: true,
  }
}

export const streamGlobalJoinCases = [joinCase('inner'), joinCase('left')]
