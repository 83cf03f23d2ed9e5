// Two tables over the same keys: inserts, updates, tombstones (also of keys never written, and
// twice in a row), keys on one side only, in event-time order with equal times now and then.
// A table join's final row per key depends only on both tables' final rows, whatever the
// interleaving of the two topics, so one phase is enough.
import type { InputPhase, InputRecord } from '../../case.js'
import { Random } from '../../random.js'
import { BASE_TIME } from '../../timelines.js'

const PARTITIONS = 3
const KEYS_PER_PARTITION = 15
const UPDATES_PER_SIDE = 400

export function tableJoinInput(seed: number): InputPhase[] {
  const random = new Random(seed)
  const records: InputRecord[] = []
  const time = { left: BASE_TIME, right: BASE_TIME + 50 }
  for (const input of ['left', 'right'] as const) {
    for (let i = 0; i < UPDATES_PER_SIDE; i++) {
      const partition = random.int(0, PARTITIONS - 1)
      // Keys t0-t9 on both sides, t10-t12 on the left only, t13-t15 on the right only; each side also deletes a key only the other writes.
      const index = random.int(0, 12)
      const only = index >= 10 ? (input === 'left' ? index : index + 3) : index
      const key = `p${partition}-t${only}`
      if (!random.chance(0.1)) time[input] += random.int(1, 200)
      const tombstone = random.chance(0.15)
      records.push({ input, key, value: tombstone ? null : `${input === 'left' ? 'l' : 'r'}${i}`, timestamp: time[input], partition })
      if (random.chance(0.03)) records.push({ input, key: `p${partition}-t${input === 'left' ? 13 : 10}`, value: null, timestamp: time[input], partition })
    }
  }
  return [records]
}
