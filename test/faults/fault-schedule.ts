import { prng } from '../state/helpers.js'

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

/** The seeded generator the schedule and its choices draw from. */
export const seededRandom = prng
