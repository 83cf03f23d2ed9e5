import { messageOf } from '../../errors.js'
import { causes } from './fault-classification.js'

/** kafkajs marks errors worth another attempt (a topic just created whose leader is not known yet, say). */
function isRetriable(error: unknown): boolean {
  return causes(error).some((cause) => (cause as { retriable?: boolean }).retriable === true)
}

/**
 * Runs an admin step again while it fails with a retriable error, for up to `timeoutMs`:
 * right after topics are created the broker may briefly say it does not host them, and that
 * must not stop an application that is merely starting next to the one that created them.
 */
export async function retryRetriable<T>(what: string, attempt: () => Promise<T>, log: (message: string) => void, timeoutMs = 60_000, retriable: (error: unknown) => boolean = isRetriable): Promise<T> {
  const started = Date.now()
  let pause = 250
  for (;;) {
    try {
      return await attempt()
    } catch (error) {
      if (!retriable(error) || Date.now() - started + pause > timeoutMs) throw error
      log(`${what}: ${messageOf(error)}; retrying in ${pause} ms`)
      await new Promise((resolve) => setTimeout(resolve, pause))
      pause = Math.min(pause * 2, 5000)
    }
  }
}
