// Records per key at steps that hit the sliding windows' edges: the same time, exactly the time
// difference D apart (one window holds both), D + 1 (the right window of the first just holds
// the second), D + 2, and further; records out of order within grace and late beyond it, and
// records exactly at the lateness boundary (t + D = stream time - grace: accepted) and one past it.
import type { InputPhase } from '../../case.js'
import { timelines } from '../../timelines.js'

export function slidingInput(seed: number, params: Readonly<Record<string, number>>): InputPhase[] {
  const { timeDifferenceMs: d, graceMs: grace } = params
  return timelines(seed, {
    input: 'events',
    partitions: 3,
    keysPerPartition: 8,
    recordsPerKey: 40,
    step: (random) => {
      const roll = random.next()
      if (roll < 0.05) return 0
      if (roll < 0.45) return random.int(1, d / 3)
      if (roll < 0.55) return d
      if (roll < 0.65) return d + 1
      if (roll < 0.7) return d + 2
      if (roll < 0.85) return random.int(d + 3, 2 * d)
      return random.int(3 * d, 6 * d)
    },
    delay: (random) => {
      const roll = random.next()
      if (roll < 0.75) return 0
      if (roll < 0.9) return random.int(1, d + grace)
      return random.int(d + grace + 1, 3 * (d + grace))
    },
    boundaryOffsets: [d + grace, d + grace + 1],
    boundaryShare: 0.03,
  })
}
