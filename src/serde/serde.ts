/** Kafka record headers: values are kept as raw bytes, strings are accepted on write. */
export type Headers = Readonly<{ [name: string]: Buffer | string | undefined }>

/**
 * Turns values of type T into bytes and back. `T` is carried in the type so that a serde
 * of the wrong type is a compile error where it is used.
 */
export interface Serde<T> {
  /** A short description shown by describe() and in errors, e.g. "string" or "json". */
  readonly name: string
  // Function-typed properties (not methods) make Serde<T> invariant in T under strict
  // function types, so Serde<number> is a compile error where Serde<string> is expected.
  readonly serialize: (topic: string, value: T, headers?: Headers) => Buffer | null
  /** Throws on malformed input; the caller adds topic, partition and offset to the error. */
  readonly deserialize: (topic: string, data: Buffer | null, headers?: Headers) => T
  /**
   * Optional asynchronous preparation, so that serialize/deserialize stay synchronous (e.g. a
   * schema-registry serde fetches schemas here). The runtime calls it with a batch's bytes
   * before deserializing them, and with an empty batch before serializing to a topic.
   */
  readonly prepare?: (topic: string, batch: readonly (Buffer | null)[]) => Promise<void>
  /**
   * Optional read-only counterpart of `prepare(topic, [])`, for serializing a key only to look
   * it up (`sluice store`, interactive queries): finds the schema to write with, never
   * registers one.
   */
  readonly prepareLookup?: (topic: string) => Promise<void>
}

/** The type a serde produces, for type-level helpers. */
export type SerdeType<S> = S extends Serde<infer T> ? T : never

/** Forgets a serde's type, for the untyped topology graph; the DSL keeps the types. */
export function eraseSerde<T>(serde: Serde<T>): Serde<unknown> {
  return serde as unknown as Serde<unknown>
}
