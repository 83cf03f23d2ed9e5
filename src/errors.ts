/** Where a record came from, named in every error about it. */
export interface RecordPosition {
  readonly topic: string
  readonly partition: number
  readonly offset: string
}

export function describePosition(position: RecordPosition): string {
  return `topic ${position.topic}, partition ${position.partition}, offset ${position.offset}`
}

/** A topology that cannot be built; thrown at build time, before anything runs. */
export class TopologyError extends Error {
  override readonly name = 'TopologyError'
}

/** A sink configuration that cannot work; thrown before the sink connects to anything. */
export class SinkConfigError extends Error {
  override readonly name = 'SinkConfigError'
}

/** A record whose key or value could not be read. */
export class DeserializationError extends Error {
  override readonly name = 'DeserializationError'
  constructor(
    readonly position: RecordPosition,
    readonly part: 'key' | 'value',
    override readonly cause: unknown,
  ) {
    super(`Cannot deserialize the ${part} of the record at ${describePosition(position)}: ${messageOf(cause)}`)
  }
}

/** A processor threw while handling a record. */
export class ProcessingError extends Error {
  override readonly name = 'ProcessingError'
  constructor(
    readonly position: RecordPosition | undefined,
    readonly processorName: string,
    override readonly cause: unknown,
  ) {
    // Without a position it failed outside any record: in init() or a punctuator.
    const where = position ? ` on the record at ${describePosition(position)}` : ''
    super(`Processor ${processorName} failed${where}: ${messageOf(cause)}`)
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Why an event time is refused: it would move stream time, which never moves back, to where no real record follows. */
export type TimestampProblem = 'negative' | 'not-finite' | 'too-far-ahead'

/** A record whose event time cannot be used; it goes where failed records go, and moves no stream time. */
export class InvalidTimestampError extends Error {
  override readonly name = 'InvalidTimestampError'
  constructor(
    readonly timestamp: number,
    readonly problem: TimestampProblem,
    message: string,
  ) {
    super(message)
  }
}
