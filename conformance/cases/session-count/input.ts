// Sessions of a few records per key: steps within the gap, exactly the gap (joins), one past it
// (splits), two sessions up to twice the gap apart with a record between them arriving later
// (merges them), records out of order within grace and late beyond it, and records exactly at
// the lateness boundary (session end = stream time - gap - grace: accepted) and one past it,
// half of them followed by a record of their key within the gap.
import type { InputPhase } from '../../case.js'
import { timelines } from '../../timelines.js'

export function sessionInput(seed: number, params: Readonly<Record<string, number>>): InputPhase[] {
  const { gapMs: gap, graceMs: grace } = params
  return timelines(seed, {
    input: 'events',
    partitions: 3,
    keysPerPartition: 8,
    recordsPerKey: 40,
    step: (random) => {
      const roll = random.next()
      if (roll < 0.45) return random.int(0, gap / 2)
      if (roll < 0.55) return gap
      if (roll < 0.65) return gap + 1
      if (roll < 0.7) return 2 * gap
      if (roll < 0.85) return random.int(gap + 2, 2 * gap - 1)
      return random.int(3 * gap, 6 * gap)
    },
    // Between two sessions at most twice the gap apart: within the gap of both (exactly the gap at 2 * gap).
    between: (step, random) => (step > gap && step <= 2 * gap && random.chance(0.6) ? step - gap + random.int(0, 2 * gap - step) : undefined),
    delay: (random) => {
      const roll = random.next()
      if (roll < 0.75) return 0
      if (roll < 0.9) return random.int(1, gap + grace)
      return random.int(gap + grace + 1, 3 * (gap + grace))
    },
    boundaryOffsets: [gap + grace, gap + grace + 1],
    boundaryShare: 0.03,
    // Half the boundary records get a record of their key within the gap after them: does it merge into the boundary session?
    boundaryFollowUp: (random) => (random.chance(0.5) ? random.int(1, gap / 2) : undefined),
  })
}
