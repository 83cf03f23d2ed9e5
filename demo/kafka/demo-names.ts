import type { Duration } from 'sluice'

/**
 * Topic, application and group names of one Kafka demo run. Every run gets its own (from
 * DEMO_RUN), so a rerun never resumes an old run's offsets, stores or half-consumed topics.
 */
export function demoNames(env: NodeJS.ProcessEnv = process.env) {
  const run = env.DEMO_RUN
  if (!run) throw new Error('DEMO_RUN is not set: these files are started by `npm run demo -- --kafka`')
  const prefix = `sluice-demo-${run}`
  return {
    transactions: `${prefix}-transactions`,
    counts: `${prefix}-category-counts`,
    alerts: `${prefix}-alerts`,
    countsApplication: `${prefix}-category-counts`,
    anomalyApplication: `${prefix}-user-anomaly`,
    metricsSinkGroup: `${prefix}-metrics-sink`,
    alertsSinkGroup: `${prefix}-alerts-sink`,
    // --cdc: the table the generator fills, the connector capturing it, the topic it writes, the notifier's group
    cdcTable: 'sluice_demo.transactions',
    connector: prefix,
    cdcTopic: `${prefix}.sluice_demo.transactions`,
    notifyGroup: `${prefix}-alerts-notify`,
    windowSize: (env.DEMO_WINDOW ?? '1d') as Duration,
    grace: (env.DEMO_GRACE ?? '1h') as Duration,
    brokers: (env.SLUICE_BROKERS ?? 'localhost:9092').split(','),
    pgUrl: env.SLUICE_PG_URL ?? 'postgres://sluice:sluice@127.0.0.1:5432/sluice',
  }
}
