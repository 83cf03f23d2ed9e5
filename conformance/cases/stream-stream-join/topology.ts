// A windowed join of two streams (inner, left or outer); a missing side is written "-".
import { defineTopology, JoinWindows, serdes } from 'sluice'
import type { CaseNames } from '../../case.js'

export type StreamJoinKind = 'inner' | 'left' | 'outer'

export function streamStreamJoin(kind: StreamJoinKind) {
  return (names: CaseNames, params: Readonly<Record<string, number>>) =>
    defineTopology({ applicationId: names.applicationId }, (b) => {
      const S = serdes.string()
      const left = b.stream(names.inputs.left, { key: S, value: S })
      const right = b.stream(names.inputs.right, { key: S, value: S })
      const windows = JoinWindows.ofTimeDifferenceAndGrace(params.timeDifferenceMs, params.graceMs)
      const joiner = (l: string | undefined, r: string | undefined): string => `${l ?? '-'}+${r ?? '-'}`
      const joined = kind === 'inner' ? left.join(right, joiner, windows) : kind === 'left' ? left.leftJoin(right, joiner, windows) : left.outerJoin(right, joiner, windows)
      joined.to(names.output, { key: S, value: S })
    })
}
