/** The faults a schedule draws from; each one the runtime must ride out without a supervisor. */
export const FAULT_KINDS = [
  'broker-restart',
  'zombie',
  'kill-during-restore',
  'kill-several',
  'kill-wiped-state',
  'join-and-leave',
  'postgres-restart',
] as const

export type FaultKind = (typeof FAULT_KINDS)[number]

/** A small seeded generator (mulberry32): the same seed gives the same schedule and choices. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `count` faults: every kind once in a seeded order (while count allows), then seeded draws. */
export function faultSchedule(random: () => number, count: number): FaultKind[] {
  const kinds: FaultKind[] = [...FAULT_KINDS]
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[kinds[i], kinds[j]] = [kinds[j], kinds[i]]
  }
  const schedule = kinds.slice(0, count)
  while (schedule.length < count) schedule.push(FAULT_KINDS[Math.floor(random() * FAULT_KINDS.length)])
  return schedule
}
