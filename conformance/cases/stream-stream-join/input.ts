// Two streams in rounds of event time, each round two phases (see InputPhase: the runner waits
// for both applications between phases). With time difference D and grace G, round k starts at
// S = BASE + 20 s * k:
// - phase a: per partition and stream a record at S + D first (stream time S + D), then records
//   in [S, S + D] of shared keys (some at equal times), keys on one side only (unmatched), and
//   pairs exactly D apart (they join). Every record of a phase is within D of the others, so no
//   record is out of order in Kafka Streams' sense (its window end behind stream time) whatever
//   the interleaving: Kafka Streams emits such a record's unmatched result at once.
// - phase b: out of order within grace (in [S - G + D + 1, S - 1]), joining phase-a records or
//   of keys found nowhere else; the second records of pairs D + 1 apart (they do not join);
//   records late beyond grace (in the previous round's span, also after the record at S + D).
// - phase c1: per partition and stream a record of a key of its own at u = S + D + G.
// - phase c2: per partition and stream first a record at S + 2 (D + G) (stream time: everything
//   of the round is closed but c1's records), then a record of the other stream with c1's key at
//   [u - D, u - 1]: late beyond grace, and within D of c1's record, which Kafka Streams' window
//   store (retention before + after + grace) still holds.
// Rounds are further apart than that plus D + G, so the first record of a round closes every
// window of the previous one. A last phase, far ahead on every partition, closes the last round.
import type { InputPhase, InputRecord } from '../../case.js'
import { Random } from '../../random.js'
import { BASE_TIME } from '../../timelines.js'

const PARTITIONS = 3
const ROUNDS = 3
const ROUND_MS = 20_000

export function streamJoinInput(seed: number, params: Readonly<Record<string, number>>): InputPhase[] {
  const { timeDifferenceMs: d, graceMs: grace } = params
  if (ROUND_MS <= 3 * (d + grace)) throw new Error('rounds must be further apart than their span plus D + G')
  const random = new Random(seed)
  const phases: InputRecord[][] = []
  const serial = { left: 0, right: 0 }
  const record = (input: 'left' | 'right', key: string, timestamp: number, partition: number, tag = ''): InputRecord => ({
    input,
    key,
    value: `${tag}${input === 'left' ? 'L' : 'R'}${serial[input]++}`,
    timestamp,
    partition,
  })
  const other = (input: 'left' | 'right'): 'left' | 'right' => (input === 'left' ? 'right' : 'left')
  for (let round = 0; round < ROUNDS; round++) {
    const start = BASE_TIME + round * ROUND_MS
    const a: InputRecord[] = []
    const b: InputRecord[] = []
    for (let p = 0; p < PARTITIONS; p++) {
      for (const input of ['left', 'right'] as const) {
        a.push(record(input, `p${p}-clock`, start + d, p))
        const own: InputRecord[] = []
        for (let i = 0; i < 25; i++) {
          // Now and then a record at the time of the previous one.
          const timestamp = own.length > 0 && random.chance(0.1) ? own[own.length - 1].timestamp : start + random.int(0, d)
          own.push(record(input, `p${p}-s${random.int(0, 5)}`, timestamp, p))
        }
        for (let i = 0; i < 4; i++) own.push(record(input, `p${p}-${input}-only-${round}-${i}`, start + random.int(0, d), p))
        a.push(...own)
        // Exactly D apart: they join (the window is inclusive).
        const edge = `p${p}-edge-${input}-${round}`
        a.push(record(input, edge, start, p), record(other(input), edge, start + d, p))
        // D + 1 apart: they do not join; the second comes in phase b, after the first is stored.
        const apart = `p${p}-apart-${input}-${round}`
        const first = start + random.int(0, d)
        a.push(record(input, apart, first, p))
        b.push(record(other(input), apart, first + d + 1, p))
      }
      // Phase b, once phase a of both sides is known.
      for (const input of ['left', 'right'] as const) {
        // Out of order within grace, joining a phase-a record of the other side (at most D later).
        for (let i = 0; i < 3; i++) {
          const partner = random.pick(a.filter((r) => r.partition === p && r.input === other(input) && /^p\d+-s\d+$/.test(r.key) && r.timestamp <= start + d - 1))
          if (!partner) continue
          const earliest = Math.max(start - grace + d + 1, partner.timestamp - d)
          b.push(record(input, partner.key, random.int(earliest, start - 1), p, 'ooo-'))
        }
        // Out of order within grace, joining nothing.
        for (let i = 0; i < 2; i++) b.push(record(input, `p${p}-ooo-${input}-${round}-${i}`, random.int(start - grace + d + 1, start - 1), p, 'ooo-'))
        // Late beyond grace: in the previous round's span, with that round's keys.
        if (round > 0) for (let i = 0; i < 2; i++) b.push(record(input, `p${p}-s${random.int(0, 5)}`, start - ROUND_MS + random.int(0, d), p, 'late-'))
      }
    }
    const c1: InputRecord[] = []
    const c2: InputRecord[] = []
    const u = start + d + grace
    for (let p = 0; p < PARTITIONS; p++) {
      // Each topic-partition's record at S + 2 (D + G) comes before its late record.
      for (const input of ['left', 'right'] as const) c2.push(record(input, `p${p}-clock-c-${round}`, start + 2 * (d + grace), p))
      for (const input of ['left', 'right'] as const) {
        const key = `p${p}-late-join-${input}-${round}`
        c1.push(record(input, key, u, p))
        c2.push(record(other(input), key, random.int(u - d, u - 1), p, 'late-'))
      }
    }
    phases.push(a, b, c1, c2)
  }
  const closing: InputRecord[] = []
  for (let p = 0; p < PARTITIONS; p++) for (const input of ['left', 'right'] as const) closing.push(record(input, `p${p}-closing`, BASE_TIME + ROUNDS * ROUND_MS + 100_000, p))
  phases.push(closing)
  return phases
}
