import type { ByteRange } from '../backend.js'

/** Leaves unset bounds out: an explicit `undefined` bound is not "open" to every level version. */
export function rangeOptions(range: ByteRange): { gte?: Buffer; lt?: Buffer; reverse?: boolean } {
  const options: { gte?: Buffer; lt?: Buffer; reverse?: boolean } = {}
  if (range.gte !== undefined) options.gte = range.gte
  if (range.lt !== undefined) options.lt = range.lt
  if (range.reverse) options.reverse = true
  return options
}
