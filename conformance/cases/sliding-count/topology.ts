// Records per key per sliding window; windowed keys written as `key@start-end`.
import { defineTopology, serdes, SlidingWindows } from 'sluice'
import type { CaseNames } from '../../case.js'

export function slidingCount(names: CaseNames, params: Readonly<Record<string, number>>) {
  return defineTopology({ applicationId: names.applicationId }, (b) => {
    b.stream(names.inputs.events, { key: serdes.string(), value: serdes.string() })
      .groupByKey()
      .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(params.timeDifferenceMs, params.graceMs))
      .count()
      .toStream()
      .map((windowed, count): readonly [string, typeof count] => [`${windowed.key}@${windowed.window.start}-${windowed.window.end}`, count])
      .to(names.output, { key: serdes.string(), value: serdes.long() })
  })
}
