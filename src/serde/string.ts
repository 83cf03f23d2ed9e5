import type { Serde } from './serde.js'

/** UTF-8 strings; a null payload (e.g. a record without key) reads as the empty string. */
export function stringSerde(): Serde<string> {
  return {
    name: 'string',
    serialize: (_topic, value) => Buffer.from(value, 'utf8'),
    deserialize: (_topic, data) => (data === null ? '' : data.toString('utf8')),
  }
}
