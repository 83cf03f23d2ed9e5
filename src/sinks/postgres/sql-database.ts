import type { Statement } from './sql.js'

/**
 * The little the sink needs from a PostgreSQL database: queries and all-or-nothing batches.
 * A real server (PgDatabase) and an embedded one (PGlite, in the demo) both fit.
 */
export interface SqlDatabase {
  query<R extends object = { [column: string]: unknown }>(text: string, values?: readonly unknown[]): Promise<R[]>
  /** Runs the statements in one transaction: all of them take effect, or none. */
  transaction(statements: readonly Statement[]): Promise<void>
  close(): Promise<void>
}
