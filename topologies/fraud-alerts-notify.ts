import { defineWebhookSink, serdes } from 'sluice'
import { alertLevels, slackAlertMessage } from './alert-message.js'
import { fraudAlert } from './user-anomaly.js'

/**
 * alerts -> a Slack incoming webhook (`npx sluice notify topologies/fraud-alerts-notify.ts`, or
 * `sluice run topologies/user-anomaly.ts --notify topologies/fraud-alerts-notify.ts`).
 * SLUICE_SLACK_WEBHOOK_URL is the webhook (empty: disabled); SLUICE_NOTIFY_LEVELS the levels to
 * send (e.g. MEDIUM,HIGH; default all). Each alert carries the idempotency key
 * `alert-<trans_num>` (header and body), the same on every delivery of it.
 */
const env = process.env
const levels = alertLevels(env.SLUICE_NOTIFY_LEVELS)
export default defineWebhookSink({
  groupId: env.SLUICE_NOTIFY_GROUP ?? 'fraud-alerts-notify',
  brokers: (env.SLUICE_BROKERS ?? 'localhost:9092').split(','),
  topic: env.SLUICE_NOTIFY_TOPIC ?? 'alerts',
  key: serdes.string(),
  value: fraudAlert,
  url: env.SLUICE_SLACK_WEBHOOK_URL,
  message: (_cardNumber, alert) => (levels.has(alert.level) ? slackAlertMessage(alert) : null),
  idempotencyKey: (_cardNumber, alert) => `alert-${alert.trans_num}`,
  deadLetterTopic: env.SLUICE_NOTIFY_DEAD_LETTER_TOPIC,
})
