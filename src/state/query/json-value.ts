/**
 * JSON for decoded keys and values, which may hold what JSON.stringify cannot show: bigints
 * become decimal strings, byte buffers `{ "hex": "..." }`.
 */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(
    value,
    function (this: { [key: string]: unknown }, key: string, replaced: unknown) {
      const original = this[key]
      if (Buffer.isBuffer(original)) return { hex: original.toString('hex') }
      if (typeof replaced === 'bigint') return replaced.toString()
      return replaced
    },
    indent,
  )
}
