// A broker that has just started may not know a new topic's leader at once: topic creation is retried.

/** Whether kafkajs marks the error, or one it wraps, as worth another attempt. */
function isRetriable(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) if ((cause as { retriable?: boolean }).retriable === true) return true
  return false
}

/** Runs `create` again while it fails retriably (a broker just started), for up to a minute. */
export async function createTopicRetrying(create: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + 60_000
  for (let pause = 250; ; pause = Math.min(pause * 2, 5000)) {
    try {
      await create()
      return
    } catch (error) {
      if (!isRetriable(error) || Date.now() + pause > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, pause))
    }
  }
}
