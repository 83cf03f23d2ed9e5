import type { ConformanceCase } from '../../case.js'
import { slidingInput } from './input.js'
import { slidingCount } from './topology.js'

export const slidingCountCase: ConformanceCase = {
  name: 'sliding-count',
  description: 'count per key per sliding window (time difference 5 s, grace 2 s)',
  inputs: ['events'],
  partitions: 3,
  params: { timeDifferenceMs: 5_000, graceMs: 2_000 },
  topology: slidingCount,
  generate: slidingInput,
  values: 'long',
  // A window's count is a table: the last record per key@start-end.
  results: 'latest-per-key',
  // Both stamp a window's result with its latest record's time.
  compareTimestamps: true,
}
