// Every conformance case, in the order the runner runs them.
import type { ConformanceCase } from './case.js'
import { foreignKeyJoinCases } from './cases/foreign-key-join/case.js'
import { sessionCountCase } from './cases/session-count/case.js'
import { slidingCountCase } from './cases/sliding-count/case.js'
import { streamGlobalJoinCases } from './cases/stream-global-join/case.js'
import { streamStreamJoinCases } from './cases/stream-stream-join/case.js'
import { tableTableJoinCases } from './cases/table-table-join/case.js'

export const CASES: readonly ConformanceCase[] = [sessionCountCase, slidingCountCase, ...streamStreamJoinCases, ...tableTableJoinCases, ...streamGlobalJoinCases, ...foreignKeyJoinCases]
