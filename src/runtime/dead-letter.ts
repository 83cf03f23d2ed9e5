import { DeserializationError, InvalidTimestampError, type ProcessingError } from '../errors.js'
import type { IncomingRecord, OutgoingRecord } from './wire-records.js'

/** Header names on a dead-letter record; values are UTF-8 strings. */
export const DEAD_LETTER_HEADERS = {
  error: 'sluice.error',
  errorClass: 'sluice.error.class',
  /** What went wrong, for filtering: deserialization-key|value, timestamp-negative|not-finite|too-far-ahead, processing. */
  reason: 'sluice.error.reason',
  topic: 'sluice.source.topic',
  partition: 'sluice.source.partition',
  offset: 'sluice.source.offset',
} as const

/** The failed record as it arrived (raw key and value bytes), with the error and its origin in headers. */
export function deadLetterRecord(deadLetterTopic: string, error: DeserializationError | ProcessingError, raw: IncomingRecord): OutgoingRecord {
  return {
    topic: deadLetterTopic,
    key: raw.key,
    value: raw.value,
    timestamp: raw.timestamp,
    headers: {
      ...raw.headers,
      [DEAD_LETTER_HEADERS.error]: error.message,
      [DEAD_LETTER_HEADERS.errorClass]: error.name,
      [DEAD_LETTER_HEADERS.reason]: reasonOf(error),
      [DEAD_LETTER_HEADERS.topic]: raw.topic,
      [DEAD_LETTER_HEADERS.partition]: String(raw.partition),
      [DEAD_LETTER_HEADERS.offset]: raw.offset,
    },
  }
}

function reasonOf(error: DeserializationError | ProcessingError): string {
  if (error instanceof DeserializationError) return `deserialization-${error.part}`
  if (error.cause instanceof InvalidTimestampError) return `timestamp-${error.cause.problem}`
  return 'processing'
}
