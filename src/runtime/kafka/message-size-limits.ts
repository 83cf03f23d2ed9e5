import { MAX_REQUEST_BYTES } from './buffered-collector.js'
import type { AdminClient } from './client/admin-client.js'

const MAX_MESSAGE_BYTES = 'max.message.bytes'
/** Room left for the record batch's own header and varint framing beyond what recordBytes() counts. */
const BATCH_MARGIN_BYTES = 4096

/** Each topic's max.message.bytes (its own setting, else the broker's message.max.bytes). */
export async function maxMessageBytesOf(admin: AdminClient, topics: readonly string[]): Promise<Map<string, number>> {
  const limits = new Map<string, number>()
  for (const [topic, config] of await admin.topicConfigs(topics, [MAX_MESSAGE_BYTES])) {
    const value = Number(config.get(MAX_MESSAGE_BYTES))
    if (Number.isSafeInteger(value) && value > 0) limits.set(topic, value)
  }
  return limits
}

/**
 * The largest dead letter that is written whole: what the dead-letter topic accepts and what
 * one produce request carries (the producer's bound, 4 MiB), less a margin for the batch.
 * Larger ones go as stubs (see deadLetterRecord): a dead letter the broker refused would stop
 * the application on that record after every restart.
 */
export async function deadLetterLimitBytes(admin: AdminClient, deadLetterTopic: string): Promise<number> {
  const topicLimit = (await maxMessageBytesOf(admin, [deadLetterTopic])).get(deadLetterTopic)
  if (topicLimit === undefined) throw new Error(`Cannot read ${MAX_MESSAGE_BYTES} of the dead-letter topic ${deadLetterTopic}`)
  return Math.min(topicLimit, MAX_REQUEST_BYTES) - BATCH_MARGIN_BYTES
}

/** The config entry giving a topic created for source records room for the largest of them. */
export function maxMessageBytesEntry(bytes: number): Record<string, string> {
  return { [MAX_MESSAGE_BYTES]: String(bytes) }
}
