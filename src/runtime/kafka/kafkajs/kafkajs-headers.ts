import type { IHeaders } from 'sluice-kafkajs'
import type { Headers } from '../../../serde/serde.js'

const NO_HEADERS: Headers = Object.freeze({})

/** kafkajs gives repeated headers as arrays; Sluice keeps the last value of each. */
export function toHeaders(headers: IHeaders | undefined): Headers {
  if (!headers) return NO_HEADERS
  const names = Object.keys(headers)
  if (names.length === 0) return NO_HEADERS
  // Null prototype: header names are input data, and one named __proto__ must stay a header.
  const result: { [name: string]: Buffer | string | undefined } = Object.create(null)
  for (const name of names) {
    const value = headers[name]
    result[name] = Array.isArray(value) ? value[value.length - 1] : value
  }
  return result
}
