import { DeserializationError, ProcessingError, TopologyError } from '../../errors.js'

/** Broker answers that another attempt cannot fix: they need a person (ACLs, limits, the topology). */
const NEEDS_A_PERSON = new Map<string, string>([
  ['TOPIC_AUTHORIZATION_FAILED', 'the application may not use a topic (ACLs)'],
  ['GROUP_AUTHORIZATION_FAILED', 'the application may not use its consumer group (ACLs)'],
  ['CLUSTER_AUTHORIZATION_FAILED', 'the application may not use the cluster (ACLs)'],
  ['TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'the application may not use its transactional ids (ACLs)'],
  ['MESSAGE_TOO_LARGE', 'a record is larger than the broker accepts (message.max.bytes / max.message.bytes)'],
  ['RECORD_LIST_TOO_LARGE', 'a request is larger than the broker accepts'],
  ['INVALID_RECORD', 'the broker refuses a record (a compacted topic needs keys)'],
  ['UNSUPPORTED_VERSION', 'the broker does not support a request Sluice needs'],
])

/** An error and its causes, outermost first (kafkajs wraps the broker's answer in retry errors). */
export function causes(error: unknown): unknown[] {
  const chain: unknown[] = []
  for (let cause = error; cause !== undefined && cause !== null && chain.length < 10; cause = (cause as { cause?: unknown }).cause) chain.push(cause)
  return chain
}

/** The broker error type of an error or of one of its causes, if any (kafkajs puts it in `type`). */
function kafkaErrorType(error: unknown): string | undefined {
  for (const cause of causes(error)) {
    const type = (cause as { type?: unknown }).type
    if (typeof type === 'string') return type
  }
  return undefined
}

/**
 * Why an error must stop the application rather than be ridden out by rejoining the group,
 * or undefined when closing the tasks, rejoining and restoring is the answer (a broker restart,
 * a coordinator that moved, a fenced or timed-out transaction, a member the group forgot).
 */
export function needsAPerson(error: unknown): string | undefined {
  for (const cause of causes(error)) {
    if (cause instanceof ProcessingError || cause instanceof DeserializationError || cause instanceof TopologyError) return 'the topology failed'
    const type = (cause as { type?: unknown }).type
    if (typeof type === 'string' && NEEDS_A_PERSON.has(type)) return NEEDS_A_PERSON.get(type)
  }
  return undefined
}

/** kafkajs answers an add-offsets right after a commit with this while markers are still written. */
export function isConcurrentTransactions(error: unknown): boolean {
  const type = kafkaErrorType(error)
  return type === 'CONCURRENT_TRANSACTIONS' || type === 'COORDINATOR_LOAD_IN_PROGRESS'
}

/**
 * Whether start-up should try again: anything but what needs a person. Right after a broker
 * restart kafkajs reports a coordinator not found yet as non-retriable, which it is not.
 */
export function worthAnotherStartAttempt(error: unknown): boolean {
  return needsAPerson(error) === undefined
}
