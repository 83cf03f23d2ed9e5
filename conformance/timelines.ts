// Input for the single-topic aggregation cases (session and sliding counts): per key a timeline
// of event times, the keys of a partition merged, some records arriving late by a delay, and
// records placed exactly at the lateness boundary. One topic: each partition's order is fixed,
// so one phase is enough and both systems see the same order.
import type { InputPhase, InputRecord } from './case.js'
import { Random } from './random.js'

/** Event times start here (November 2023): fixed, so a seed always gives the same input. */
export const BASE_TIME = 1_700_000_000_000

export interface TimelineSpec {
  readonly input: string
  readonly partitions: number
  readonly keysPerPartition: number
  readonly recordsPerKey: number
  /** The time from a key's previous record to its next. */
  readonly step: (random: Random) => number
  /** Extra records of a key placed between two of its consecutive records `gap` apart (session bridges). */
  readonly between?: (gap: number, random: Random) => number | undefined
  /** How long after its event time a record arrives (0: in order). */
  readonly delay: (random: Random) => number
  /** Offsets behind stream time at which records are inserted right after an on-time record (the lateness boundary and one past it). */
  readonly boundaryOffsets: readonly number[]
  /** The share of positions after which a boundary record is inserted. */
  readonly boundaryShare: number
  /** A record of the same key this much after a boundary record, right after it (stream time unchanged), or none. */
  readonly boundaryFollowUp?: (random: Random) => number | undefined
}

interface Pending {
  key: string
  timestamp: number
  arrival: number
  order: number
}

export function timelines(seed: number, spec: TimelineSpec): InputPhase[] {
  const random = new Random(seed)
  const records: InputRecord[] = []
  let serial = 0
  for (let partition = 0; partition < spec.partitions; partition++) {
    const pending: Pending[] = []
    const keys = Array.from({ length: spec.keysPerPartition }, (_, i) => `p${partition}-k${i}`)
    for (const key of keys) {
      let time = BASE_TIME + random.int(0, 10_000)
      for (let i = 0; i < spec.recordsPerKey; i++) {
        if (i > 0) {
          const step = spec.step(random)
          const between = spec.between?.(step, random)
          if (between !== undefined) pending.push({ key, timestamp: time + between, arrival: time + between + spec.delay(random), order: pending.length })
          time += step
        }
        pending.push({ key, timestamp: time, arrival: time + spec.delay(random), order: pending.length })
      }
    }
    // Arrival order: a delayed record comes after the on-time records of its arrival time.
    pending.sort((a, b) => a.arrival - b.arrival || a.order - b.order)
    let streamTime = -Infinity
    for (const record of pending) {
      records.push({ input: spec.input, key: record.key, value: `v${serial++}`, timestamp: record.timestamp, partition })
      streamTime = Math.max(streamTime, record.timestamp)
      // Right after the record that set stream time, a record exactly at a boundary behind it.
      if (record.timestamp === streamTime && random.chance(spec.boundaryShare)) {
        const key = random.pick(keys)
        const timestamp = streamTime - random.pick(spec.boundaryOffsets)
        records.push({ input: spec.input, key, value: `v${serial++}`, timestamp, partition })
        const followUp = spec.boundaryFollowUp?.(random)
        if (followUp !== undefined) records.push({ input: spec.input, key, value: `v${serial++}`, timestamp: Math.min(streamTime, timestamp + followUp), partition })
      }
    }
  }
  return [records]
}
