import { definePostgresSink, type SinkTable } from 'sluice/postgres'
import { serdes, type Windowed } from 'sluice'

/** fraud_metrics: one row per category and window, updated as the window's count changes. */
export function fraudMetricsTable(topic = 'category-counts', table = 'fraud_metrics'): SinkTable<Windowed<string>, number> {
  return {
    topic,
    table,
    key: serdes.windowed(serdes.string()),
    value: serdes.long(),
    mode: 'upsert',
    columns: { window_start: 'timestamptz NOT NULL', window_end: 'timestamptz NOT NULL', category: 'text NOT NULL', count: 'bigint NOT NULL' },
    primaryKey: ['window_start', 'window_end', 'category'],
    row: (key, count) => ({ window_start: new Date(key.window.start), window_end: new Date(key.window.end), category: key.key, count }),
  }
}

const env = process.env
export default definePostgresSink({
  groupId: env.SLUICE_SINK_GROUP ?? 'fraud-metrics-sink',
  brokers: (env.SLUICE_BROKERS ?? 'localhost:9092').split(','),
  connectionString: env.SLUICE_PG_URL ?? 'postgres://sluice:sluice@127.0.0.1:5432/sluice',
  tables: [fraudMetricsTable(env.SLUICE_SINK_TOPIC ?? 'category-counts', env.SLUICE_SINK_TABLE ?? 'fraud_metrics')],
})
