import pg from 'pg'
import type { SqlDatabase } from './sql-database.js'
import type { Statement } from './sql.js'
import { ConnectionLostError, sqlStateOf } from './sqlstate.js'

/** Runs statements inside an open transaction. */
export interface TransactionClient {
  query(text: string, values?: readonly unknown[]): Promise<void>
  /** Runs an INSERT / UPDATE / DELETE and says how many rows it changed. */
  update(text: string, values?: readonly unknown[]): Promise<number>
}

/** A PostgreSQL server reached through node-postgres. */
export class PgDatabase implements SqlDatabase {
  private readonly pool: pg.Pool

  constructor(connectionString: string, maxConnections = 2) {
    this.pool = new pg.Pool({ connectionString, max: maxConnections })
    // An idle client losing its server (a restart) must not crash the process; the next query retries.
    this.pool.on('error', () => undefined)
  }

  async query<R extends object>(text: string, values?: readonly unknown[]): Promise<R[]> {
    return this.withClient(async (client) => (await client.query<R & pg.QueryResultRow>(text, values as unknown[] | undefined)).rows)
  }

  async transaction(statements: readonly Statement[]): Promise<void> {
    await this.inTransaction(async (tx) => {
      for (const statement of statements) await tx.query(statement.text, statement.values)
    })
  }

  /** Runs `work` in one transaction: it commits if `work` resolves, and rolls back if it throws. */
  inTransaction<T>(work: (tx: TransactionClient) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query('BEGIN')
      try {
        const result = await work({
          query: async (text, values) => void (await client.query(text, values as unknown[] | undefined)),
          update: async (text, values) => (await client.query(text, values as unknown[] | undefined)).rowCount ?? 0,
        })
        await client.query('COMMIT')
        return result
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined)
        throw error
      }
    })
  }

  close(): Promise<void> {
    return this.pool.end()
  }

  /**
   * A checked-out client for `work`. A failure after the client emitted 'error' or 'end' is the
   * connection's, not the statement's: it becomes a ConnectionLostError, which the sink waits
   * out (node-postgres gives such errors no code, and their text is no guide).
   */
  private async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient
    try {
      client = await this.pool.connect()
    } catch (error) {
      // The server's own refusal (a wrong password, too many connections) keeps its SQLSTATE;
      // anything else while connecting is the connection failing. A socket error keeps its code.
      if (sqlStateOf(error) !== undefined || (error as { code?: unknown }).code !== undefined || error instanceof TypeError) throw error
      throw new ConnectionLostError(error)
    }
    let lost = false
    // Without a listener a server going away mid-query would crash the process; the query rejects anyway.
    const onLost = (): void => {
      lost = true
    }
    client.on('error', onLost)
    client.on('end', onLost)
    try {
      const result = await work(client)
      client.off('error', onLost)
      client.off('end', onLost)
      client.release()
      return result
    } catch (error) {
      client.off('error', onLost)
      client.off('end', onLost)
      client.release(true)
      throw lost && sqlStateOf(error) === undefined ? new ConnectionLostError(error) : error
    }
  }
}
