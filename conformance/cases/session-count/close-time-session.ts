// A session that ends exactly at the close time (stream time - gap - grace) is open in both
// systems: a record that makes one is accepted. Kafka Streams' session store no longer returns
// it, though: it keeps gap + grace of stream time and fetches from stream time - retention + 1,
// one past the close time. So a later record within the gap of it, arriving before stream time
// moves, starts a session of its own there, where Sluice merges it into the open session.
// (With its record cache on, Kafka Streams still returns such sessions, and older ones, while
// they sit in the cache.)
import type { Difference, InputPhase, KnownDifference } from '../../case.js'

/** Per key, the times of records that arrived exactly at the close time of their partition. */
function closeTimeRecords(input: readonly InputPhase[], gap: number, grace: number): Map<string, number[]> {
  const streamTime = new Map<string, number>()
  const byKey = new Map<string, number[]>()
  for (const phase of input) {
    for (const record of phase) {
      const id = `${record.input}/${record.partition}`
      const time = Math.max(streamTime.get(id) ?? -Infinity, record.timestamp)
      streamTime.set(id, time)
      if (record.timestamp === time - gap - grace) byKey.set(record.key, [...(byKey.get(record.key) ?? []), record.timestamp])
    }
  }
  return byKey
}

const cache = new WeakMap<readonly InputPhase[], Map<string, number[]>>()

export const closeTimeSession: KnownDifference = {
  name: 'a session ending exactly at the close time: merged into (Sluice), no longer found (Kafka Streams)',
  reason: "Kafka Streams' session store hides a session ending at stream time - gap - grace, which its processor still accepts; Sluice merges records into it",
  explains: (difference: Difference, input, params) => {
    const window = /^(.*)@(\d+)-(\d+)$/.exec(difference.id)
    if (!window) return false
    let byKey = cache.get(input)
    if (!byKey) cache.set(input, (byKey = closeTimeRecords(input, params.gapMs, params.graceMs)))
    const [start, end] = [Number(window[2]), Number(window[3])]
    // The session it was merged into, or the one it stayed: within the gap of that record.
    return (byKey.get(window[1]) ?? []).some((time) => time >= start - params.gapMs && time <= end + params.gapMs)
  },
}
