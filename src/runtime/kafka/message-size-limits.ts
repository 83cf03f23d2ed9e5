import './kafkajs-corrections.js' // corrects kafkajs before it loads
import type { Admin, ConfigResourceTypes } from 'sluice-kafkajs'
import { MAX_REQUEST_BYTES } from './buffered-collector.js'

const MAX_MESSAGE_BYTES = 'max.message.bytes'
/** ConfigResourceTypes.TOPIC: kafkajs's enum is not among the names its CommonJS module gives ESM. */
const TOPIC_RESOURCE = 2 as ConfigResourceTypes
/** Room left for the record batch's own header and varint framing beyond what recordBytes() counts. */
const BATCH_MARGIN_BYTES = 4096

/** Each topic's max.message.bytes (its own setting, else the broker's message.max.bytes). */
export async function maxMessageBytesOf(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  const limits = new Map<string, number>()
  if (topics.length === 0) return limits
  const { resources } = await admin.describeConfigs({
    resources: topics.map((name) => ({ type: TOPIC_RESOURCE, name, configNames: [MAX_MESSAGE_BYTES] })),
    includeSynonyms: false,
  })
  for (const resource of resources) {
    const value = Number(resource.configEntries.find((entry) => entry.configName === MAX_MESSAGE_BYTES)?.configValue)
    if (Number.isSafeInteger(value) && value > 0) limits.set(resource.resourceName, value)
  }
  return limits
}

/**
 * The largest dead letter that is written whole: what the dead-letter topic accepts and what
 * one produce request carries (the producer's bound, 4 MiB), less a margin for the batch.
 * Larger ones go as stubs (see deadLetterRecord): a dead letter the broker refused would stop
 * the application on that record after every restart.
 */
export async function deadLetterLimitBytes(admin: Admin, deadLetterTopic: string): Promise<number> {
  const topicLimit = (await maxMessageBytesOf(admin, [deadLetterTopic])).get(deadLetterTopic)
  if (topicLimit === undefined) throw new Error(`Cannot read ${MAX_MESSAGE_BYTES} of the dead-letter topic ${deadLetterTopic}`)
  return Math.min(topicLimit, MAX_REQUEST_BYTES) - BATCH_MARGIN_BYTES
}

/** The config entry giving a topic created for source records room for the largest of them. */
export function maxMessageBytesEntry(bytes: number): { name: string; value: string } {
  return { name: MAX_MESSAGE_BYTES, value: String(bytes) }
}
