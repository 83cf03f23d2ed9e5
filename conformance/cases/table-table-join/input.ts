// Two tables over the same keys: inserts, updates, tombstones (also of keys the side never
// wrote, and twice in a row), keys on one side only, in event-time order with equal times now
// and then. A table join's final row per key depends only on both tables' final rows, whatever
// the interleaving of the two topics, so one phase is enough.
import type { InputPhase, InputRecord } from '../../case.js'
import { Random } from '../../random.js'
import { BASE_TIME } from '../../timelines.js'

const PARTITIONS = 3
/** Per partition: keys t0..t(SHARED-1) on both sides, then ONE_SIDED on the left only, then ONE_SIDED on the right only. */
const SHARED = 20
const ONE_SIDED = 4
const UPDATES_PER_SIDE = 600

export function tableJoinInput(seed: number): InputPhase[] {
  const random = new Random(seed)
  const records: InputRecord[] = []
  const time = { left: BASE_TIME, right: BASE_TIME + 50 }
  for (const input of ['left', 'right'] as const) {
    const ownOnly = input === 'left' ? SHARED : SHARED + ONE_SIDED
    const othersOnly = input === 'left' ? SHARED + ONE_SIDED : SHARED
    for (let i = 0; i < UPDATES_PER_SIDE; i++) {
      const partition = random.int(0, PARTITIONS - 1)
      const index = random.int(0, SHARED + ONE_SIDED - 1)
      const key = `p${partition}-t${index < SHARED ? index : ownOnly + index - SHARED}`
      if (!random.chance(0.1)) time[input] += random.int(1, 200)
      const tombstone = random.chance(0.15)
      records.push({ input, key, value: tombstone ? null : `${input === 'left' ? 'l' : 'r'}${i}`, timestamp: time[input], partition })
      // A delete of a key only the other side writes.
      if (random.chance(0.03)) records.push({ input, key: `p${partition}-t${othersOnly + random.int(0, ONE_SIDED - 1)}`, value: null, timestamp: time[input], partition })
    }
  }
  return [records]
}
