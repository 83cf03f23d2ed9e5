import pg from 'pg'

/**
 * The connection to PostgreSQL went away under a query (the client emitted 'error' or 'end'),
 * or could not be opened for a reason that is not the server's answer. node-postgres reports
 * these as plain errors with no SQLSTATE, so PgDatabase marks them with this type.
 */
export class ConnectionLostError extends Error {
  override readonly name = 'ConnectionLostError'
  constructor(override readonly cause: unknown) {
    super(`connection to PostgreSQL lost: ${cause instanceof Error ? cause.message : String(cause)}`)
  }
}

/** The SQLSTATE of an error the server sent, or undefined for any other error. */
export function sqlStateOf(error: unknown): string | undefined {
  return error instanceof pg.DatabaseError && typeof error.code === 'string' ? error.code : undefined
}

/**
 * Node-level socket and name-resolution failures: the server is not there (yet). A code, never
 * a message: an error's text can quote a row's values.
 */
const TRANSIENT_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN'])

/**
 * Whether waiting and trying again can succeed: the server down, restarting, out of
 * connections or resources, or a transaction that lost a serialization race or a deadlock.
 * Told by SQLSTATE class, never by message text.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof ConnectionLostError) return true
  const state = sqlStateOf(error)
  if (state !== undefined) {
    return (
      state.startsWith('08') || // connection exception
      state.startsWith('53') || // insufficient resources (too many connections, disk full, out of memory)
      state.startsWith('57P') || // admin shutdown, crash shutdown, cannot connect now, database dropped
      state === '40001' || // serialization failure
      state === '40P01' // deadlock detected
    )
  }
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && TRANSIENT_SOCKET_CODES.has(code)
}

/**
 * Whether the server refused one row for what it holds: a value it cannot take (class 22: a NUL
 * byte in text, a value too long, bad input syntax, out of range), a constraint (class 23: NOT
 * NULL, unique, foreign key, check) or a row too large to index (54000). Such a row goes to the
 * dead-letter destination; the other rows of its batch are still written.
 */
export function isRowRefusal(error: unknown): boolean {
  const state = sqlStateOf(error)
  return state !== undefined && (state.startsWith('22') || state.startsWith('23') || state === '54000')
}
