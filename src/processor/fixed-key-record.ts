import type { Headers } from '../serde/serde.js'
import { Record } from './record.js'

/** Only this module holds it: a FixedKeyRecord cannot be constructed elsewhere, not even from JavaScript. */
const FROM_INPUT = Symbol('FixedKeyRecord from an input record')

let fromInput: <K, V>(record: Record<K, V>) => FixedKeyRecord<K, V>
let madeFromInput: (value: unknown) => boolean

/**
 * A record whose key cannot change (Kafka Streams' FixedKeyRecord): what a `processValues`
 * processor receives and forwards. It has `withValue`, `withTimestamp` and `withHeaders` but no
 * `withKey`, and it is made only from a record the processor received, so every record such a
 * processor forwards carries a key that came in: what follows needs no repartition.
 */
export class FixedKeyRecord<K, V> {
  /** The brand: an object that merely looks like a FixedKeyRecord (Object.create) lacks it. */
  readonly #fromInput = true
  readonly headers: Headers

  private constructor(
    token: symbol,
    readonly key: K,
    readonly value: V,
    readonly timestamp: number,
    headers: Headers,
  ) {
    if (token !== FROM_INPUT) throw new TypeError('A FixedKeyRecord is made only from a record a processor received: change it with withValue, withTimestamp or withHeaders')
    this.headers = Object.isFrozen(headers) ? headers : Object.freeze({ ...headers })
    Object.freeze(this)
  }

  static {
    fromInput = (record) => new FixedKeyRecord(FROM_INPUT, record.key, record.value, record.timestamp, record.headers)
    madeFromInput = (value) => typeof value === 'object' && value !== null && #fromInput in value
  }

  withValue<V2>(value: V2): FixedKeyRecord<K, V2> {
    return new FixedKeyRecord(FROM_INPUT, this.key, value, this.timestamp, this.headers)
  }

  withTimestamp(timestamp: number): FixedKeyRecord<K, V> {
    return new FixedKeyRecord(FROM_INPUT, this.key, this.value, timestamp, this.headers)
  }

  withHeaders(headers: Headers): FixedKeyRecord<K, V> {
    return new FixedKeyRecord(FROM_INPUT, this.key, this.value, this.timestamp, headers)
  }
}

/** @internal The record a fixed-key processor receives. */
export function fixedKeyRecordOf<K, V>(record: Record<K, V>): FixedKeyRecord<K, V> {
  return fromInput(record)
}

/** @internal True for a FixedKeyRecord made from an input record (and so keyed as one), whatever else claims to be one. */
export function isFixedKeyRecord(value: unknown): value is FixedKeyRecord<unknown, unknown> {
  return madeFromInput(value)
}

/** @internal The plain record a fixed-key processor's forward sends on. */
export function recordOf<K, V>(record: FixedKeyRecord<K, V>): Record<K, V> {
  return new Record(record.key, record.value, record.timestamp, record.headers)
}
