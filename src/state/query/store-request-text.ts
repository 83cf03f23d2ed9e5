import type { StoreSpec } from '../store.js'
import { parseKeyArgument, parseTimeArgument } from './key-argument.js'
import type { StoreRequest } from './store-request.js'

export const STORE_OPERATIONS = ['get', 'range', 'prefix', 'fetch', 'count'] as const
export type StoreOperation = (typeof STORE_OPERATIONS)[number]

/** A read as typed by a user: on the command line or as query parameters of the HTTP endpoint. */
export interface StoreRequestText {
  key?: string
  from?: string
  to?: string
  prefix?: string
}

/** A request that cannot be understood: a missing or malformed key or time. */
export class StoreRequestError extends Error {
  override readonly name = 'StoreRequestError'
}

export function isStoreOperation(op: string): op is StoreOperation {
  return (STORE_OPERATIONS as readonly string[]).includes(op)
}

/**
 * Builds a typed request from text: keys go through parseKeyArgument with the store's key
 * serde; `from`/`to` are keys for range and times (epoch ms or ISO dates) for fetch. A key
 * serde that needs the registry to serialize (Avro) prepares through its read-only lookup
 * first: a query never registers a schema.
 */
export async function storeRequestFromText(spec: StoreSpec, topic: string, op: StoreOperation, text: StoreRequestText): Promise<StoreRequest> {
  const key = (value: string): unknown => parseKeyArgument(spec.keySerde, value, topic)
  const typedKeys = op === 'range' ? text.from !== undefined || text.to !== undefined : (op === 'get' || op === 'fetch') && text.key !== undefined
  if (typedKeys) await spec.keySerde.prepareLookup?.(topic)
  try {
    switch (op) {
      case 'get':
        if (text.key === undefined) throw new StoreRequestError(`get needs a key: get ${spec.name} <key>`)
        return { op, key: key(text.key) }
      case 'range':
        return { op, from: text.from === undefined ? undefined : key(text.from), to: text.to === undefined ? undefined : key(text.to) }
      case 'prefix':
        if (text.prefix === undefined) throw new StoreRequestError(`prefix needs a prefix: prefix ${spec.name} <prefix>`)
        return { op, prefix: text.prefix }
      case 'fetch':
        return {
          op,
          key: text.key === undefined ? undefined : key(text.key),
          from: text.from === undefined ? undefined : parseTimeArgument(text.from, '--from'),
          to: text.to === undefined ? undefined : parseTimeArgument(text.to, '--to'),
        }
      case 'count':
        return { op }
    }
  } catch (error) {
    if (error instanceof StoreRequestError) throw error
    throw new StoreRequestError(error instanceof Error ? error.message : String(error), { cause: error })
  }
}
