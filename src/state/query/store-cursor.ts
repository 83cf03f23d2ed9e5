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

export function decodeCursor(text: string): StoreCursor {
  const match = /^(\d+_\d+)\.([A-Za-z0-9_-]*)$/.exec(text)
  if (!match) throw new StoreRequestError(`malformed cursor ${JSON.stringify(text)}: pass the "next" of the previous page as it is`)
  return { task: match[1], storeKey: Buffer.from(match[2], 'base64url') }
}
