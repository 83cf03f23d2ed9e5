import { describeValue } from './describe-value.js'
import type { Serde } from './serde.js'
import { decodeUtf8 } from './utf8.js'

/**
 * UTF-8 strings; a null payload (e.g. a record without key) reads as the empty string. Strict
 * both ways: only a string is written (an array of char codes or a number is an error, not
 * its bytes), and bytes that are not valid UTF-8 fail to read.
 */
export function stringSerde(): Serde<string> {
  return {
    name: 'string',
    serialize: (_topic, value) => {
      if (typeof value !== 'string') throw new TypeError(`the string serde writes strings only, got ${describeValue(value)}`)
      return Buffer.from(value, 'utf8')
    },
    deserialize: (_topic, data) => (data === null ? '' : decodeUtf8(data, 'the string bytes')),
  }
}
