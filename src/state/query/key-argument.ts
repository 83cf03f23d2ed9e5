import type { Serde } from '../../serde/serde.js'

const INTEGER_SERDES = new Set(['long', 'int'])

/**
 * Turns a key typed on the command line (or in a query URL) into the key type of a store, by
 * the name of the store's key serde:
 * - `string`: the text as it is;
 * - `bytes`: the text's UTF-8 bytes;
 * - `long`, `int`: an integer, `double`: a number;
 * - any other serde (json, Avro, Debezium keys, ...): the text read as JSON (`42` a number,
 *   `"42"` a string, `{"id":1}` an object); text that is not valid JSON is taken as a string.
 * The key is then serialized once with the serde, so a key the serde rejects fails here.
 */
export function parseKeyArgument(serde: Serde<unknown>, text: string, topic: string): unknown {
  const key = keyOf(serde.name, text)
  try {
    if (serde.serialize(topic, key) === null) throw new Error('it serializes to null')
  } catch (error) {
    throw new Error(`key ${JSON.stringify(text)} does not fit the store's key serde ${serde.name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  }
  return key
}

function keyOf(serdeName: string, text: string): unknown {
  if (serdeName === 'string') return text
  if (serdeName === 'bytes') return Buffer.from(text, 'utf8')
  if (INTEGER_SERDES.has(serdeName) || serdeName === 'double') {
    const value = Number(text)
    if (text.trim() === '' || !Number.isFinite(value)) throw new Error(`key ${JSON.stringify(text)} is not a number (the store's key serde is ${serdeName})`)
    if (INTEGER_SERDES.has(serdeName) && !Number.isSafeInteger(value)) throw new Error(`key ${JSON.stringify(text)} is not an integer (the store's key serde is ${serdeName})`)
    return value
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

/** A time bound: epoch milliseconds, or an ISO-8601 date such as 2024-01-01T10:00:00Z. */
export function parseTimeArgument(text: string, what: string): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : Date.parse(text)
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${what} must be epoch milliseconds or an ISO date, got ${JSON.stringify(text)}`)
  return value
}
