// The PostgreSQL sink's /metrics: rows written and dead-lettered, batches, transaction times,
// and its stored position's distance from the end of each partition, scraped while it runs.
import pg from 'pg'
import { afterAll, expect, test } from 'vitest'
import { PostgresSink, type SinkTable } from 'sluice/postgres'
import { serdes } from 'sluice'
import { BROKERS, createTopic, produce, unique, waitFor } from './kafka-helpers.js'
import { metricTotal as total } from './metrics-text.js'

const PG_URL = process.env.SLUICE_PG_URL ?? 'postgres://sluice:sluice@127.0.0.1:5432/sluice'
const pool = new pg.Pool({ connectionString: PG_URL, max: 2 })
pool.on('error', () => undefined)
const dropped: string[] = []
afterAll(async () => {
  for (const table of dropped) await pool.query(`DROP TABLE IF EXISTS "${table}"`)
  await pool.end()
})

test('a running sink serves /metrics: rows written and dead-lettered, batches, offsets behind reaching 0', async () => {
  const topic = unique('sink-metrics')
  const base = topic.replace(/-/g, '_')
  const tables = { rows: `${base}_rows`, deadLetters: `${base}_dead`, offsets: `${base}_offsets` }
  dropped.push(...Object.values(tables))
  await createTopic(topic, 2)
  const table: SinkTable<string, { id: string; name: string }> = {
    topic,
    table: tables.rows,
    key: serdes.string(),
    value: serdes.json(),
    mode: 'insert',
    columns: { id: 'text NOT NULL', name: 'text NOT NULL' },
    row: (_key, value) => ({ id: value.id, name: value.name }),
  }
  // 40 rows; the one with a NUL byte is refused by PostgreSQL and goes to the dead-letter table.
  const values = Array.from({ length: 40 }, (_, index) => ({ id: `r${index}`, name: index === 17 ? 'nul \u0000 byte' : `row ${index}` }))
  await produce(topic, values.map((value) => ({ key: value.id, value: JSON.stringify(value) })))
  const group = `${topic}-sink`
  const sink = new PostgresSink({ groupId: group, brokers: BROKERS, connectionString: PG_URL, tables: [table], offsetsTable: tables.offsets, deadLetter: { table: tables.deadLetters }, metricsPort: 0, log: () => undefined })
  await sink.start()
  try {
    const url = sink.metricsUrl ?? ''
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
    let text = ''
    await waitFor(
      async () => {
        text = await (await fetch(url)).text()
        return total(text, 'sluice_sink_rows_written_total', { topic }) + total(text, 'sluice_sink_records_dead_lettered_total', { topic }) === values.length
      },
      60_000,
      'every record written or dead-lettered',
    )
    expect(total(text, 'sluice_sink_rows_written_total', { topic, group_id: group })).toBe(39)
    expect(total(text, 'sluice_sink_records_dead_lettered_total', { topic })).toBe(1)
    expect(total(text, 'sluice_sink_batches_total', { topic })).toBeGreaterThanOrEqual(2)
    expect(total(text, 'sluice_sink_db_latency_seconds_count')).toBeGreaterThanOrEqual(2)
    for (const partition of ['0', '1']) expect(text).toMatch(new RegExp(`sluice_sink_offsets_behind\\{topic="${topic}",partition="${partition}",group_id="${group}"\\} 0`))
    expect(Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${tables.rows}"`)).rows[0].n)).toBe(39)
  } finally {
    await sink.stop()
  }
  await expect(fetch(sink.metricsUrl ?? '')).rejects.toThrow()
})
