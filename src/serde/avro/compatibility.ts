import type avro from 'avsc'
import { messageOf } from '../../errors.js'
import { resolutionProblems, type ResolutionProblem } from './schema-resolution.js'

/** The schema registry's compatibility levels. */
export const COMPATIBILITY_LEVELS = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'] as const
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number]

export function parseCompatibilityLevel(value: string): CompatibilityLevel {
  const level = value.toUpperCase()
  if (!(COMPATIBILITY_LEVELS as readonly string[]).includes(level)) throw new Error(`unknown compatibility level "${value}" (expected one of ${COMPATIBILITY_LEVELS.join(', ')})`)
  return level as CompatibilityLevel
}

/** An earlier schema of a subject, e.g. "version 3" from the registry or "v1.avsc" from a folder. */
export interface PreviousSchema {
  readonly label: string
  readonly type: avro.Type
}

function where(path: string): string {
  return path === '' ? 'the top-level type' : `field \`${path}\``
}

/** One problem in words, for a new schema checked against an old one; `readerIsNew` says which side reads. */
export function explainProblem(problem: ResolutionProblem, readerIsNew: boolean, old: string): string {
  const consequence = readerIsNew ? `a reader on the new schema cannot read old records (${old})` : `a reader on the old schema (${old}) cannot read new records`
  const [oldSide, newSide] = readerIsNew ? ['writerType', 'readerType'] as const : ['readerType', 'writerType'] as const
  switch (problem.kind) {
    case 'field-without-default':
      return readerIsNew
        ? `${where(problem.path)} added without a default: ${consequence}`
        : `${where(problem.path)} removed while the old schema has no default for it: ${consequence}`
    case 'type-changed':
      return `${where(problem.path)} changed type from ${problem[oldSide]} to ${problem[newSide]}, which Avro cannot convert${problem.writerBranch ? ` (its ${problem.writerBranch} branch)` : ''}: ${consequence}`
    case 'enum-symbol':
      return readerIsNew
        ? `${where(problem.path)} lost enum symbol \`${problem.symbol}\` and has no enum default: ${consequence}`
        : `${where(problem.path)} gained enum symbol \`${problem.symbol}\` and the old enum has no default: ${consequence}`
    case 'name-changed':
      return `${where(problem.path)} renamed from ${readerIsNew ? problem.writerName : problem.readerName} to ${readerIsNew ? problem.readerName : problem.writerName} without an alias: ${consequence}`
    case 'fixed-size':
      return `${where(problem.path)} changed fixed size from ${readerIsNew ? problem.writerSize : problem.readerSize} to ${readerIsNew ? problem.readerSize : problem.writerSize}: ${consequence}`
  }
}

/** Problems of `reader` reading `writer`, explained; avsc's own resolver has the last word. */
function explainRead(reader: avro.Type, writer: avro.Type, readerIsNew: boolean, old: string): string[] {
  const explained = resolutionProblems(reader, writer).map((problem) => explainProblem(problem, readerIsNew, old))
  if (explained.length > 0) return explained
  try {
    reader.createResolver(writer)
    return []
  } catch (error) {
    return [`avsc cannot resolve ${readerIsNew ? 'the old schema to the new one' : 'the new schema to the old one'} (${old}): ${messageOf(error)}`]
  }
}

/**
 * Whether `next` may follow `previous` (oldest first) under a compatibility level; returns
 * one explanation per incompatibility, empty when compatible. BACKWARD: the new schema reads
 * data of the latest one (all earlier ones when transitive); FORWARD: the latest (all) read
 * data of the new one; FULL: both.
 */
export function incompatibilities(next: avro.Type, previous: readonly PreviousSchema[], level: CompatibilityLevel): string[] {
  if (level === 'NONE' || previous.length === 0) return []
  const against = level.endsWith('_TRANSITIVE') ? previous : previous.slice(-1)
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL')
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL')
  const problems: string[] = []
  for (const old of against) {
    if (backward) problems.push(...explainRead(next, old.type, true, old.label))
    if (forward) problems.push(...explainRead(old.type, next, false, old.label))
  }
  return problems
}
