// Records per key per session; windowed keys written as `key@start-end`, removed (merged) sessions as tombstones.
import { defineTopology, serdes, SessionWindows } from 'sluice'
import type { CaseNames } from '../../case.js'

export function sessionCount(names: CaseNames, params: Readonly<Record<string, number>>) {
  return defineTopology({ applicationId: names.applicationId }, (b) => {
    b.stream(names.inputs.events, { key: serdes.string(), value: serdes.string() })
      .groupByKey()
      .windowedBy(SessionWindows.ofInactivityGapAndGrace(params.gapMs, params.graceMs))
      .count()
      .toStream()
      .map((windowed, count): readonly [string, typeof count] => [`${windowed.key}@${windowed.window.start}-${windowed.window.end}`, count])
      .to(names.output, { key: serdes.string(), value: serdes.nullable(serdes.long()) })
  })
}
