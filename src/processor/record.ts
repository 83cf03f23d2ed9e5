import type { Headers } from '../serde/serde.js'

/**
 * An immutable record flowing through a topology. Change it with the `with*` methods, which
 * return copies, so a processor can never alter what a sibling processor receives.
 */
export class Record<K, V> {
  readonly headers: Headers

  constructor(
    readonly key: K,
    readonly value: V,
    readonly timestamp: number,
    headers: Headers = {},
  ) {
    // Headers are shared between copies once frozen: most records carry the same (often empty) set.
    this.headers = Object.isFrozen(headers) ? headers : Object.freeze({ ...headers })
    Object.freeze(this)
  }

  withKey<K2>(key: K2): Record<K2, V> {
    return new Record(key, this.value, this.timestamp, this.headers)
  }

  withValue<V2>(value: V2): Record<K, V2> {
    return new Record(this.key, value, this.timestamp, this.headers)
  }

  withTimestamp(timestamp: number): Record<K, V> {
    return new Record(this.key, this.value, timestamp, this.headers)
  }

  withHeaders(headers: Headers): Record<K, V> {
    return new Record(this.key, this.value, this.timestamp, headers)
  }
}
