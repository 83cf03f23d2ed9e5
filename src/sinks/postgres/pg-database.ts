import pg from 'pg'
import type { SqlDatabase } from './sql-database.js'
import type { Statement } from './sql.js'

/** A PostgreSQL server reached through node-postgres. */
export class PgDatabase implements SqlDatabase {
  private readonly pool: pg.Pool

  constructor(connectionString: string, maxConnections = 2) {
    this.pool = new pg.Pool({ connectionString, max: maxConnections })
    // An idle client losing its server (a restart) must not crash the process; the next query retries.
    this.pool.on('error', () => undefined)
  }

  async query<R extends object>(text: string, values?: readonly unknown[]): Promise<R[]> {
    const result = await this.pool.query<R & pg.QueryResultRow>(text, values as unknown[] | undefined)
    return result.rows
  }

  async transaction(statements: readonly Statement[]): Promise<void> {
    const client = await this.pool.connect()
    // A server that goes away mid-transaction emits 'error' on the checked-out client; without
    // a listener that would crash the process. The failing query rejects anyway.
    const ignore = (): void => undefined
    client.on('error', ignore)
    try {
      await client.query('BEGIN')
      for (const statement of statements) await client.query(statement.text, statement.values)
      await client.query('COMMIT')
      client.off('error', ignore)
      client.release()
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined)
      client.off('error', ignore)
      client.release(true)
      throw error
    }
  }

  close(): Promise<void> {
    return this.pool.end()
  }
}
