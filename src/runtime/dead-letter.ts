import { createHash } from 'node:crypto'
import { DeserializationError, InvalidTimestampError, type ProcessingError, type RecordPosition } from '../errors.js'
import type { Headers } from '../serde/serde.js'
import { ORIGIN_HEADER, originOf } from './record-origin.js'
import type { IncomingRecord, OutgoingRecord } from './wire-records.js'

/** Header names on a dead-letter record; values are UTF-8 strings. */
export const DEAD_LETTER_HEADERS = {
  error: 'sluice.error',
  errorClass: 'sluice.error.class',
  /** What went wrong, for filtering: deserialization-key|value, timestamp-negative|not-finite|too-far-ahead, processing. */
  reason: 'sluice.error.reason',
  /** The source record: for a record read from a repartition topic, the input record it came from. */
  topic: 'sluice.source.topic',
  partition: 'sluice.source.partition',
  offset: 'sluice.source.offset',
  /** For a record read from a repartition topic: where the failing record itself was. */
  internalTopic: 'sluice.internal.topic',
  internalPartition: 'sluice.internal.partition',
  internalOffset: 'sluice.internal.offset',
  /** On a stub only (a dead letter too large to write whole): what was cut, e.g. "value" or "key,value,headers". */
  truncated: 'sluice.dead-letter.truncated',
  /** On a stub: the original key's and value's length in bytes and SHA-256 (hex); absent for a null key or value. */
  keyBytes: 'sluice.original.key.bytes',
  keySha256: 'sluice.original.key.sha256',
  valueBytes: 'sluice.original.value.bytes',
  valueSha256: 'sluice.original.value.sha256',
} as const

/** What a record costs on the wire besides its bytes (framing, timestamp and offset deltas); generous. */
const RECORD_OVERHEAD_BYTES = 64
/** Per header besides its name and value. */
const HEADER_OVERHEAD_BYTES = 8
/** A stub's error message is cut to this many characters: it must leave room for the bytes. */
const STUB_ERROR_CHARS = 2048

/**
 * The failed record as it arrived (raw key and value bytes), with the error and its origin in
 * headers. One larger than `maxBytes` (what the dead-letter topic and the producer accept, see
 * deadLetterLimitBytes) would be refused by the broker and stop the application on every
 * restart; it goes as a stub instead: key and value cut to fit, with the original sizes and
 * SHA-256 digests, so that the record can still be found and matched.
 */
export function deadLetterRecord(deadLetterTopic: string, error: DeserializationError | ProcessingError, raw: IncomingRecord, maxBytes = Infinity): OutgoingRecord {
  const { [ORIGIN_HEADER]: _origin, ...original } = raw.headers
  const full: OutgoingRecord = {
    topic: deadLetterTopic,
    key: raw.key,
    value: raw.value,
    timestamp: raw.timestamp,
    headers: { ...original, ...errorHeaders(error, error.message, raw) },
  }
  if (recordBytes(full) <= maxBytes) return full
  return stub(full, error, raw, original, maxBytes)
}

function errorHeaders(error: DeserializationError | ProcessingError, message: string, raw: IncomingRecord): Headers {
  const internal: RecordPosition = { topic: raw.topic, partition: raw.partition, offset: raw.offset }
  const origin = originOf(raw.headers)
  const source = origin ?? internal
  return {
    [DEAD_LETTER_HEADERS.error]: message,
    [DEAD_LETTER_HEADERS.errorClass]: error.name,
    [DEAD_LETTER_HEADERS.reason]: reasonOf(error),
    [DEAD_LETTER_HEADERS.topic]: source.topic,
    [DEAD_LETTER_HEADERS.partition]: String(source.partition),
    [DEAD_LETTER_HEADERS.offset]: source.offset,
    ...(origin === undefined
      ? {}
      : {
          [DEAD_LETTER_HEADERS.internalTopic]: internal.topic,
          [DEAD_LETTER_HEADERS.internalPartition]: String(internal.partition),
          [DEAD_LETTER_HEADERS.internalOffset]: internal.offset,
        }),
  }
}

function stub(full: OutgoingRecord, error: DeserializationError | ProcessingError, raw: IncomingRecord, original: Headers, maxBytes: number): OutgoingRecord {
  const message = error.message.length > STUB_ERROR_CHARS ? `${error.message.slice(0, STUB_ERROR_CHARS)}…` : error.message
  const digests: { [name: string]: string } = {}
  if (raw.key !== null) {
    digests[DEAD_LETTER_HEADERS.keyBytes] = String(raw.key.length)
    digests[DEAD_LETTER_HEADERS.keySha256] = sha256(raw.key)
  }
  if (raw.value !== null) {
    digests[DEAD_LETTER_HEADERS.valueBytes] = String(raw.value.length)
    digests[DEAD_LETTER_HEADERS.valueSha256] = sha256(raw.value)
  }
  // The longest `truncated` list, so that its header is counted before it is known.
  const ownHeaders: Headers = { ...errorHeaders(error, message, raw), ...digests, [DEAD_LETTER_HEADERS.truncated]: 'key,value,headers,error' }
  // Original headers stay when they leave at least half of the room for key and value.
  const keepHeaders = headersBytes({ ...original, ...ownHeaders }) + RECORD_OVERHEAD_BYTES <= maxBytes / 2
  const headers = keepHeaders ? { ...original, ...ownHeaders } : ownHeaders
  const room = Math.max(0, maxBytes - RECORD_OVERHEAD_BYTES - headersBytes(headers))
  const keyLength = raw.key?.length ?? 0
  const valueLength = raw.value?.length ?? 0
  // The key keeps at least half the room when the value needs more than the rest.
  const keyRoom = Math.min(keyLength, Math.max(Math.floor(room / 2), room - valueLength))
  const valueRoom = Math.min(valueLength, room - keyRoom)
  const key = prefix(raw.key, keyRoom)
  const value = prefix(raw.value, valueRoom)
  const cut = [
    keyRoom < keyLength ? 'key' : '',
    valueRoom < valueLength ? 'value' : '',
    keepHeaders || Object.keys(original).length === 0 ? '' : 'headers',
    message === error.message ? '' : 'error',
  ].filter((part) => part !== '')
  return { ...full, key, value, headers: { ...headers, [DEAD_LETTER_HEADERS.truncated]: cut.join(',') } }
}

/** A copy, not a view: the stub must not keep the large original buffer alive until it is sent. */
function prefix(bytes: Buffer | null, length: number): Buffer | null {
  if (bytes === null) return null
  return length >= bytes.length ? bytes : Buffer.from(bytes.subarray(0, length))
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** A record's size as the producer's request bounds count it: bytes, headers and framing. */
export function recordBytes(record: OutgoingRecord): number {
  return (record.key?.length ?? 0) + (record.value?.length ?? 0) + headersBytes(record.headers) + RECORD_OVERHEAD_BYTES
}

function headersBytes(headers: Headers): number {
  let bytes = 0
  for (const name in headers) {
    const value = headers[name]
    if (value === undefined) continue
    bytes += Buffer.byteLength(name) + (typeof value === 'string' ? Buffer.byteLength(value) : value.length) + HEADER_OVERHEAD_BYTES
  }
  return bytes
}

function reasonOf(error: DeserializationError | ProcessingError): string {
  if (error instanceof DeserializationError) return `deserialization-${error.part}`
  if (error.cause instanceof InvalidTimestampError) return `timestamp-${error.cause.problem}`
  return 'processing'
}
