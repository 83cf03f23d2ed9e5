import { retryRetriable } from '../runtime/kafka/retry-retriable.js'
import type { KafkaClient } from '../runtime/kafka/client/kafka-client.js'

/**
 * A sink may start before the topology that creates its topics: waits until they all exist
 * (or `stopping()` says so), then creates the sink's own dead-letter topic if it is missing.
 */
export async function waitForTopics(
  client: KafkaClient,
  topics: readonly string[],
  options: { readonly deadLetterTopic?: string; readonly stopping: () => boolean; readonly log: (message: string) => void },
): Promise<void> {
  const admin = client.admin()
  await admin.connect()
  try {
    for (let attempt = 0; !options.stopping(); attempt++) {
      const existing = new Set(await admin.listTopics())
      const missing = topics.filter((topic) => !existing.has(topic))
      if (missing.length === 0) {
        const topic = options.deadLetterTopic
        if (topic !== undefined && !existing.has(topic)) await retryRetriable(`creating ${topic}`, () => admin.createTopics([{ name: topic }]), options.log)
        return
      }
      if (attempt % 30 === 0) options.log(`waiting for topic(s) ${missing.join(', ')} to exist`)
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
  } finally {
    await admin.close()
  }
}
