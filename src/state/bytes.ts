/** Byte-order helpers shared by the stores: keys are compared as unsigned bytes. */

/** The smallest key greater than every key starting with `prefix`; undefined when none is. */
export function prefixEnd(prefix: Buffer): Buffer | undefined {
  let end = prefix.length
  // Trailing 0xff bytes cannot be incremented: drop them and carry into the byte before.
  while (end > 0 && prefix[end - 1] === 0xff) end--
  if (end === 0) return undefined
  const out = Buffer.from(prefix.subarray(0, end))
  out[end - 1]++
  return out
}

/** The smallest key greater than `key` (an exclusive bound that includes `key` itself). */
export function keySuccessor(key: Buffer): Buffer {
  const out = Buffer.allocUnsafe(key.length + 1)
  key.copy(out)
  out[key.length] = 0
  return out
}


/**
 * A range narrowed to keys after `after` (exclusive) and up to `through` (inclusive): where a
 * paged scan goes on. Undefined when nothing is left of it.
 */
export function narrowRange(range: { gte?: Buffer; lt?: Buffer }, after?: Buffer, through?: Buffer): { gte?: Buffer; lt?: Buffer } | undefined {
  let { gte, lt } = range
  if (after !== undefined) {
    const start = keySuccessor(after)
    if (gte === undefined || Buffer.compare(start, gte) > 0) gte = start
  }
  if (through !== undefined) {
    const end = keySuccessor(through)
    if (lt === undefined || Buffer.compare(end, lt) < 0) lt = end
  }
  if (gte !== undefined && lt !== undefined && Buffer.compare(gte, lt) >= 0) return undefined
  return { gte, lt }
}
