// The shipped Slack notifier on the demo's alerts, posting to the receiver the demo starts (SLUICE_SLACK_WEBHOOK_URL).
import { defineWebhookSink } from 'sluice'
import shippedNotifier from '../../topologies/fraud-alerts-notify.js'
import { demoNames } from './demo-names.js'

const names = demoNames()
export default defineWebhookSink({ ...shippedNotifier, groupId: names.notifyGroup, brokers: names.brokers, topic: names.alerts, deadLetterTopic: `${names.notifyGroup}-dead-letters` })
