/**
 * The life of an application, as Kafka Streams' KafkaStreams.State: CREATED until start();
 * STARTING while it connects, prepares topics and joins; RUNNING; STOPPING from close() or a
 * fatal error; then STOPPED, or ERROR when an error stopped it. Rebalances and rejoins happen
 * inside RUNNING (queries answer "rebalancing" meanwhile).
 */
export type StreamsState = 'CREATED' | 'STARTING' | 'RUNNING' | 'STOPPING' | 'STOPPED' | 'ERROR'

/** Which state may follow which; anything else is a bug in the runtime. */
export const STATE_TRANSITIONS: Readonly<Record<StreamsState, readonly StreamsState[]>> = {
  CREATED: ['STARTING', 'STOPPED'],
  STARTING: ['RUNNING', 'STOPPING'],
  RUNNING: ['STOPPING'],
  STOPPING: ['STOPPED', 'ERROR'],
  STOPPED: [],
  ERROR: [],
}

export class IllegalStateTransitionError extends Error {
  override readonly name = 'IllegalStateTransitionError'
}

/** `to` if it may follow `from`; throws otherwise. */
export function nextState(from: StreamsState, to: StreamsState): StreamsState {
  if (!STATE_TRANSITIONS[from].includes(to)) throw new IllegalStateTransitionError(`an application cannot go from ${from} to ${to}`)
  return to
}
