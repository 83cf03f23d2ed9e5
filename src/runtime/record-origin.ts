import type { RecordPosition } from '../errors.js'
import type { Headers } from '../serde/serde.js'

/**
 * Header on repartition records naming the source record they came from, as
 * `<topic>/<partition>/<offset>` ('/' cannot occur in a Kafka topic name). A record that fails
 * downstream of a repartition topic is then dead-lettered under the record a person can find
 * (repartition records are purged once committed, and a value-free one carries no value at all).
 * One header rather than three: it is written and read for every repartition record.
 */
export const ORIGIN_HEADER = 'sluice.origin'

export function originHeaderValue(position: RecordPosition): string {
  return `${position.topic}/${position.partition}/${position.offset}`
}

/** The source position a record's headers name, if they name a well-formed one. */
export function originOf(headers: Headers): RecordPosition | undefined {
  const raw = headers[ORIGIN_HEADER]
  if (raw === undefined) return undefined
  const parts = raw.toString().split('/')
  if (parts.length !== 3 || parts[0] === '' || !/^\d+$/.test(parts[1]) || !/^\d+$/.test(parts[2])) return undefined
  return { topic: parts[0], partition: Number(parts[1]), offset: parts[2] }
}

/** Headers for a record leaving the application: without the origin, which only Sluice's own topics carry. */
export function withoutOrigin(headers: Headers): Headers {
  if (!(ORIGIN_HEADER in headers)) return headers
  const { [ORIGIN_HEADER]: _origin, ...rest } = headers
  return rest
}

/**
 * Headers for a repartition record: the origin it already carries (it came through an earlier
 * repartition topic), else the position of the source record being processed.
 */
export function withOrigin(headers: Headers, current: RecordPosition | undefined): Headers {
  if (ORIGIN_HEADER in headers || current === undefined) return headers
  return { ...headers, [ORIGIN_HEADER]: originHeaderValue(current) }
}
