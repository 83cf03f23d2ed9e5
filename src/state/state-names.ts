import { TaskId } from '../base/task-id.js'

/**
 * Names that become paths under the state directory: <stateDir>/<applicationId>/<taskId>/<store>.
 * They must stay one directory level each, so `.`, `..`, separators and hidden names (which
 * Sluice uses for its own files, `.sluice-state`, `.checkpoint`) are refused.
 */
const SAFE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/

/** Why `name` cannot be an application id or store name, or undefined when it can. */
export function unsafeNameReason(name: string, maxLength: number): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'must not be empty'
  if (name.length > maxLength) return `must be at most ${maxLength} characters`
  if (!SAFE_NAME.test(name)) return 'must be characters of [a-zA-Z0-9._-] not starting with "." (it names a directory under the state directory, and topics)'
  return undefined
}

/** Application ids and store names are parts of topic names, which Kafka limits to 249 characters. */
export const MAX_NAME_LENGTH = 249

/** Throws unless every part is a safe name (application id, store) or a task id: for paths built at run time. */
export function checkStatePathParts(applicationId: string, taskId?: string, store?: string): void {
  const appProblem = unsafeNameReason(applicationId, MAX_NAME_LENGTH)
  if (appProblem) throw new Error(`applicationId "${applicationId}" ${appProblem}`)
  if (taskId !== undefined) TaskId.parse(taskId) // throws, naming it, unless it is a task id's one string form
  const storeProblem = store === undefined ? undefined : unsafeNameReason(store, MAX_NAME_LENGTH)
  if (storeProblem) throw new Error(`store name "${store}" ${storeProblem}`)
}
