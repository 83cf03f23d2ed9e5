import pg from 'pg'
import { afterAll, describe, expect, test } from 'vitest'
import { PgDatabase, PostgresSink, type PostgresSinkConfig, type SinkTable } from 'sluice/postgres'
import { serdes } from 'sluice'
import { isRowRefusal, isTransient, sqlStateOf } from '../../src/sinks/postgres/sqlstate.js'
import { BROKERS, createTopic, produce, readTopic, unique, waitFor } from './kafka-helpers.js'

const PG_URL = process.env.SLUICE_PG_URL ?? 'postgres://sluice:sluice@127.0.0.1:5432/sluice'
const pool = new pg.Pool({ connectionString: PG_URL, max: 2 })
pool.on('error', () => undefined)
const dropped: string[] = []
afterAll(async () => {
  for (const table of dropped) await pool.query(`DROP TABLE IF EXISTS "${table}"`)
  await pool.end()
})

/** A fresh topic, table names dropped after the run. */
function names(prefix: string) {
  const topic = unique(prefix)
  const base = topic.replace(/-/g, '_')
  const tables = { rows: `${base}_rows`, deadLetters: `${base}_dead`, offsets: `${base}_offsets` }
  dropped.push(...Object.values(tables))
  return { topic, group: `${topic}-sink`, ...tables }
}

interface Payment {
  id: string
  name: string | null
  amount: number | string
}

/** Insert-only and keyless: a row written twice would show as two rows. */
function paymentsTable(topic: string, table: string): SinkTable<string, Payment> {
  return {
    topic,
    table,
    key: serdes.string(),
    value: serdes.json<Payment>(),
    mode: 'insert',
    columns: { id: 'text NOT NULL', name: 'text NOT NULL', amount: 'integer' },
    row: (_key, payment) => ({ id: payment.id, name: payment.name, amount: payment.amount }),
  }
}

const good = (id: number): Payment => ({ id: `p${id}`, name: `name ${id}`, amount: id })
/** Offsets 0..9 on one partition; three rows the server refuses at offsets 2, 5 and 7. */
const BAD: { [offset: number]: { payment: Payment; sqlState: string } } = {
  2: { payment: { id: 'p2', name: 'nul \u0000 byte', amount: 2 }, sqlState: '22021' },
  5: { payment: { id: 'p5', name: null, amount: 5 }, sqlState: '23502' },
  // Reads like an outage; it is a type error and must not be retried.
  7: { payment: { id: 'p7', name: 'name 7', amount: 'reconnect' }, sqlState: '22P02' },
}
const payments = (from: number, to: number): Payment[] => Array.from({ length: to - from }, (_, index) => BAD[from + index]?.payment ?? good(from + index))

async function runSink(config: Omit<PostgresSinkConfig, 'brokers' | 'connectionString' | 'log'>, until: (sink: PostgresSink) => boolean): Promise<{ sink: PostgresSink; logs: string[] }> {
  const logs: string[] = []
  const sink = new PostgresSink({ ...config, brokers: BROKERS, connectionString: PG_URL, log: (message) => logs.push(message) })
  await sink.start()
  try {
    // A sink stopping on an error fails the wait at once, with that error.
    const stoppedEarly = sink.whenStopped().then(() => Promise.reject(sink.error ?? new Error('the sink stopped')))
    await Promise.race([waitFor(async () => until(sink), 60_000, `the sink to write; log:\n${logs.join('\n')}`), stoppedEarly])
  } finally {
    await sink.stop()
  }
  return { sink, logs }
}

async function count(sql: string): Promise<number> {
  return Number((await pool.query<{ n: string }>(sql)).rows[0].n)
}

describe('one bad row among good ones', () => {
  test('dead-letter table: the good rows once each, the bad ones dead-lettered with topic, partition, offset and SQLSTATE; a restart writes nothing twice', async () => {
    const run = names('bad-rows')
    await createTopic(run.topic, 1)
    await produce(run.topic, payments(0, 10).map((payment) => ({ key: payment.id, value: JSON.stringify(payment), partition: 0 })))
    const config = { groupId: run.group, offsetsTable: run.offsets, deadLetter: { table: run.deadLetters }, tables: [paymentsTable(run.topic, run.rows)] }
    const first = await runSink(config, (sink) => sink.rowsWritten + sink.recordsDeadLettered >= 10)
    expect(first.sink.error).toBeUndefined()

    const rows = await pool.query<{ id: string }>(`SELECT id FROM "${run.rows}" ORDER BY id`)
    expect(rows.rows.map((row) => row.id)).toEqual(['p0', 'p1', 'p3', 'p4', 'p6', 'p8', 'p9'])
    const dead = await pool.query(`SELECT group_id, topic, partition, "offset"::int AS offset, target_table, sqlstate, error, convert_from(record_key, 'UTF8') AS key FROM "${run.deadLetters}" ORDER BY "offset"`)
    expect(dead.rows.map(({ error: _error, ...row }) => row)).toEqual(
      Object.entries(BAD).map(([offset, { payment, sqlState }]) => ({ group_id: run.group, topic: run.topic, partition: 0, offset: Number(offset), target_table: run.rows, sqlstate: sqlState, key: payment.id })),
    )
    expect(dead.rows[1].error).toMatch(/not-null/)
    // Logged with topic, partition, offset and SQLSTATE.
    for (const [offset, { sqlState }] of Object.entries(BAD)) {
      expect(first.logs.join('\n')).toContain(`dead-lettered the record at topic ${run.topic}, partition 0, offset ${offset} for table ${run.rows} (SQLSTATE ${sqlState})`)
    }
    const offsets = await pool.query(`SELECT next_offset::int AS next FROM "${run.offsets}" WHERE group_id = $1`, [run.group])
    expect(offsets.rows).toEqual([{ next: 10 }])

    // The next sink of the group goes on from the stored offset: nothing written or dead-lettered twice.
    await produce(run.topic, [10, 11].map((id) => ({ key: `p${id}`, value: JSON.stringify(good(id)), partition: 0 })))
    const second = await runSink(config, (sink) => sink.rowsWritten >= 2)
    expect(second.sink.error).toBeUndefined()
    expect(await count(`SELECT count(*) AS n FROM "${run.rows}"`)).toBe(9)
    expect(await count(`SELECT count(DISTINCT id) AS n FROM "${run.rows}"`)).toBe(9)
    expect(await count(`SELECT count(*) AS n FROM "${run.deadLetters}"`)).toBe(3)
  })

  test('dead-letter topic: the raw record with the SQLSTATE and its position in headers', async () => {
    const run = names('bad-rows-topic')
    const deadLetterTopic = `${run.topic}-dead`
    await createTopic(run.topic, 1)
    await produce(run.topic, payments(0, 6).map((payment) => ({ key: payment.id, value: JSON.stringify(payment), partition: 0 })))
    const { sink } = await runSink({ groupId: run.group, offsetsTable: run.offsets, deadLetter: { topic: deadLetterTopic }, tables: [paymentsTable(run.topic, run.rows)] }, (s) => s.rowsWritten + s.recordsDeadLettered >= 6)
    expect(sink.error).toBeUndefined()
    expect(await count(`SELECT count(*) AS n FROM "${run.rows}"`)).toBe(4)
    const letters = await readTopic(deadLetterTopic, { done: (messages) => messages.length >= 2, timeoutMs: 30_000 })
    const headers = letters.map((letter) => Object.fromEntries(Object.entries(letter.headers ?? {}).map(([name, value]) => [name, String(value)])))
    expect(letters.map((letter) => String(letter.key))).toEqual(['p2', 'p5'])
    expect(String(letters[0].value)).toBe(JSON.stringify(BAD[2].payment))
    expect(headers.map((header) => [header['sluice.source.topic'], header['sluice.source.partition'], header['sluice.source.offset'], header['sluice.sqlstate'], header['sluice.sink.table']])).toEqual([
      [run.topic, '0', '2', '22021', run.rows],
      [run.topic, '0', '5', '23502', run.rows],
    ])
  })

  test("deadLetter 'stop': the sink stops with an error naming the record and the SQLSTATE, and writes none of its batch", async () => {
    const run = names('bad-rows-stop')
    await createTopic(run.topic, 1)
    await produce(run.topic, payments(3, 6).map((payment) => ({ key: payment.id, value: JSON.stringify(payment), partition: 0 })))
    const sink = new PostgresSink({ groupId: run.group, brokers: BROKERS, connectionString: PG_URL, offsetsTable: run.offsets, deadLetter: 'stop', tables: [paymentsTable(run.topic, run.rows)], log: () => undefined })
    await sink.start()
    await Promise.race([sink.whenStopped(), new Promise((resolve) => setTimeout(resolve, 60_000))])
    await sink.stop()
    expect(sink.error?.message).toMatch(new RegExp(`record at topic ${run.topic}, partition 0, offset 2 for table ${run.rows} \\(SQLSTATE 23502\\)`))
    expect(await count(`SELECT count(*) AS n FROM "${run.rows}"`)).toBe(0)
  })
})

describe('upserts', () => {
  test('a table whose columns are all primary key, and bigint keys beyond 2^53 (as bigint and as string)', async () => {
    const run = names('upserts')
    const pairs = `${run.rows}_pairs`
    dropped.push(pairs)
    await createTopic(run.topic, 1)
    const big = 2n ** 53n + 1n
    const records = [
      { id: big.toString(), user: 'u1', merchant: 'm1', version: 1 },
      { id: (big + 1n).toString(), user: 'u1', merchant: 'm2', version: 1 },
      { id: big.toString(), user: 'u1', merchant: 'm1', version: 2 },
    ]
    await produce(run.topic, records.map((record) => ({ key: record.id, value: JSON.stringify(record), partition: 0 })))
    type Seen = (typeof records)[number]
    const byId: SinkTable<string, Seen> = {
      topic: run.topic,
      table: run.rows,
      key: serdes.string(),
      value: serdes.json<Seen>(),
      mode: 'upsert',
      columns: { id: 'bigint NOT NULL', version: 'integer NOT NULL' },
      primaryKey: ['id'],
      // One as a bigint, the next as the string it arrived as: the same key.
      row: (key, seen) => ({ id: seen.version === 1 ? BigInt(key) : key, version: seen.version }),
    }
    const allKey: SinkTable<string, Seen> = {
      topic: run.topic,
      table: pairs,
      key: serdes.string(),
      value: serdes.json<Seen>(),
      mode: 'upsert',
      columns: { user_id: 'text', merchant: 'text' },
      primaryKey: ['user_id', 'merchant'],
      row: (_key, seen) => ({ user_id: seen.user, merchant: seen.merchant }),
    }
    const { sink } = await runSink({ groupId: run.group, offsetsTable: run.offsets, tables: [byId, allKey] }, (s) => s.rowsWritten >= 6)
    expect(sink.error).toBeUndefined()
    expect(sink.recordsDeadLettered).toBe(0)
    expect((await pool.query(`SELECT id::text, version FROM "${run.rows}" ORDER BY id`)).rows).toEqual([
      { id: big.toString(), version: 2 },
      { id: (big + 1n).toString(), version: 1 },
    ])
    expect((await pool.query(`SELECT user_id, merchant FROM "${pairs}" ORDER BY merchant`)).rows).toEqual([
      { user_id: 'u1', merchant: 'm1' },
      { user_id: 'u1', merchant: 'm2' },
    ])
  })
})

describe('column types from the config', () => {
  test('a type smuggling SQL is refused before anything reaches the server', async () => {
    const run = names('grammar')
    const victim = `${run.rows}_victim`
    dropped.push(victim)
    await pool.query(`CREATE TABLE "${victim}" (id int)`)
    const table = { ...paymentsTable(run.topic, run.rows), columns: { id: 'text', name: `text); DROP TABLE "${victim}"; --` } }
    expect(() => new PostgresSink({ groupId: run.group, brokers: BROKERS, connectionString: PG_URL, offsetsTable: run.offsets, tables: [table] })).toThrow(new RegExp(`Sink table ${run.rows}, column name: type .* is not accepted`))
    expect(await count(`SELECT count(*) AS n FROM pg_tables WHERE tablename IN ('${victim}', '${run.rows}', '${run.offsets}')`)).toBe(1)
  })
})

describe('SQLSTATE classification against the real server', () => {
  const database = new PgDatabase(PG_URL)
  afterAll(() => database.close())
  const failure = (work: () => Promise<unknown>): Promise<unknown> => work().then(() => new Error('no failure'), (error: unknown) => error)

  test('a connection terminated under a transaction is transient; a value reading "reconnect" is not', async () => {
    const terminated = await failure(() => database.inTransaction((tx) => tx.query('SELECT pg_terminate_backend(pg_backend_pid())')))
    expect(isTransient(terminated), String(terminated)).toBe(true)
    const typeError = await failure(() => database.query(`SELECT 'reconnect'::integer`))
    expect(sqlStateOf(typeError)).toBe('22P02')
    expect([isTransient(typeError), isRowRefusal(typeError)]).toEqual([false, true])
    const nul = await failure(() => database.query('SELECT $1::text', ['a\u0000b']))
    expect([sqlStateOf(nul), isTransient(nul), isRowRefusal(nul)]).toEqual(['22021', false, true])
    // The pool goes on after the terminated connection.
    expect(await database.query('SELECT 1 AS one')).toEqual([{ one: 1 }])
  })

  test('a server that is not there is transient', async () => {
    const nowhere = new PgDatabase('postgres://sluice:sluice@127.0.0.1:1/sluice')
    const refused = await failure(() => nowhere.query('SELECT 1'))
    await nowhere.close()
    expect(isTransient(refused), String(refused)).toBe(true)
  })
})
