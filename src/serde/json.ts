import type { Serde } from './serde.js'
import { decodeUtf8 } from './utf8.js'

/**
 * JSON values. The type parameter is the caller's promise about the shape; an optional
 * `validate` turns that promise into a check, so that bad input fails here with its position.
 * `validate` may also throw an Error naming what is wrong (a field and the reason): its
 * message becomes the reason of the deserialization error. Bytes that are not valid UTF-8
 * fail too, rather than being read with replacement characters.
 */
export function jsonSerde<T>(validate?: (value: unknown) => value is T): Serde<T> {
  return {
    name: 'json',
    serialize: (_topic, value) => (value === null || value === undefined ? null : Buffer.from(JSON.stringify(value), 'utf8')),
    deserialize: (_topic, data) => {
      if (data === null) return null as T
      const parsed: unknown = JSON.parse(decodeUtf8(data, 'the JSON bytes'))
      if (validate && !validate(parsed)) throw new Error('the JSON value does not have the expected shape')
      return parsed as T
    },
  }
}
