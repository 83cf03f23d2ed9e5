// A join of two tables (inner, left or outer); a missing side is written "-", a removed row as a tombstone.
import { defineTopology, serdes } from 'sluice'
import type { CaseNames } from '../../case.js'

export type TableJoinKind = 'inner' | 'left' | 'outer'

export function tableTableJoin(kind: TableJoinKind) {
  return (names: CaseNames) =>
    defineTopology({ applicationId: names.applicationId }, (b) => {
      const S = serdes.string()
      const nullable = serdes.nullable(S)
      const left = b.table(names.inputs.left, { key: S, value: S, store: 'left-table' })
      const right = b.table(names.inputs.right, { key: S, value: S, store: 'right-table' })
      const joiner = (l: string | undefined, r: string | undefined): string => `${l ?? '-'}*${r ?? '-'}`
      const joined = kind === 'inner' ? left.join(right, joiner, { value: nullable }) : kind === 'left' ? left.leftJoin(right, joiner, { value: nullable }) : left.outerJoin(right, joiner, { value: nullable })
      joined.toStream().to(names.output, { key: S, value: nullable })
    })
}
