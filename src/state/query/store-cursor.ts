import { compareTaskIds, TaskId } from '../../base/task-id.js'
import { StoreRequestError } from './store-request-text.js'

/**
 * Where a paged read stopped: a task and a backend key in it. The next page reads that task
 * after the key, then the tasks after it (task order): every entry comes once, in order, and
 * entries written meanwhile behind the cursor are not gone back for.
 */
export interface StoreCursor {
  readonly task: string
  readonly storeKey: Buffer
}

/** `<task>.<key as base64url>`: opaque to users, safe in a URL. */
export function encodeCursor(cursor: StoreCursor): string {
  return `${cursor.task}.${cursor.storeKey.toString('base64url')}`
}

/** The instance name of a global store, which belongs to no task (see GlobalStore). */
export const GLOBAL_INSTANCE = 'global'

export function decodeCursor(text: string): StoreCursor {
  const dot = text.indexOf('.')
  const name = dot < 0 ? undefined : text.slice(0, dot)
  const task = name === GLOBAL_INSTANCE ? name : name === undefined ? undefined : TaskId.tryParse(name)?.format()
  const key = text.slice(dot + 1)
  if (!task || !/^[A-Za-z0-9_-]*$/.test(key)) throw new StoreRequestError(`malformed cursor ${JSON.stringify(text)}: pass the "next" of the previous page as it is`)
  return { task, storeKey: Buffer.from(key, 'base64url') }
}

/** Instance order: task order, a global store's one instance first. */
export function compareInstances(a: string, b: string): number {
  if (a === GLOBAL_INSTANCE || b === GLOBAL_INSTANCE) return Number(b === GLOBAL_INSTANCE) - Number(a === GLOBAL_INSTANCE)
  return compareTaskIds(a, b)
}
