import { PGlite } from '@electric-sql/pglite'
import type { SqlDatabase, Statement } from 'sluice/postgres'

/** PostgreSQL compiled to WebAssembly, in this process: the demo's default database. */
export class PgliteDatabase implements SqlDatabase {
  private constructor(private readonly db: PGlite) {}

  /** In memory unless a directory is given. */
  static async open(directory?: string): Promise<PgliteDatabase> {
    const db = new PGlite(directory)
    await db.waitReady
    return new PgliteDatabase(db)
  }

  async query<R extends object>(text: string, values?: readonly unknown[]): Promise<R[]> {
    return (await this.db.query<R>(text, values as unknown[] | undefined)).rows
  }

  async transaction(statements: readonly Statement[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const statement of statements) await tx.query(statement.text, statement.values)
    })
  }

  close(): Promise<void> {
    return this.db.close()
  }
}
