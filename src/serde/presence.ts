import type { Serde } from './serde.js'

const PRESENT = Buffer.alloc(0)

/**
 * Keeps only whether a value was there: `null` stays `null`, anything else is written as zero
 * bytes and read back as `true`. For repartition topics whose readers never look at values
 * (see value-free-repartitions.ts), so that they carry keys and timestamps only.
 */
export function presenceSerde(): Serde<unknown> {
  return {
    name: 'presence (values not needed downstream)',
    serialize: (_topic, value) => (value === null || value === undefined ? null : PRESENT),
    deserialize: (_topic, data) => (data === null ? null : true),
  }
}
