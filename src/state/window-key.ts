/**
 * The byte layout of window store keys.
 *
 * backend:   [segment id: 8 BE][key length: 4 BE][key bytes][window start: 8 BE]
 * changelog: [key length: 4 BE][key bytes][window start: 8 BE]
 *
 * The segment id comes first so that a whole expired segment is one contiguous range to
 * delete; the length prefix keeps one key's windows contiguous (no key is a prefix of another
 * key's entries) and ordered by start. The changelog omits the segment, which restore
 * recomputes from the start, so that the segment interval may change between runs.
 */

const TWO_32 = 2 ** 32

export const SEGMENT_BYTES = 8

/** Writes a non-negative safe integer as 8 big-endian bytes without a BigInt. */
export function writeUint64(buf: Buffer, value: number, offset: number): void {
  buf.writeUInt32BE(Math.floor(value / TWO_32), offset)
  buf.writeUInt32BE(value >>> 0, offset + 4)
}

export function readUint64(buf: Buffer, offset: number): number {
  return buf.readUInt32BE(offset) * TWO_32 + buf.readUInt32BE(offset + 4)
}

export function checkTimestamp(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${what} must be a non-negative integer epoch millisecond, got ${value}`)
}

/** [segment] */
export function segmentPrefix(segment: number): Buffer {
  const out = Buffer.allocUnsafe(SEGMENT_BYTES)
  writeUint64(out, segment, 0)
  return out
}

/** [segment][len][key]: all windows of one key within one segment start with this. */
export function keyPrefix(segment: number, key: Buffer): Buffer {
  const out = Buffer.allocUnsafe(SEGMENT_BYTES + 4 + key.length)
  writeUint64(out, segment, 0)
  out.writeUInt32BE(key.length, SEGMENT_BYTES)
  key.copy(out, SEGMENT_BYTES + 4)
  return out
}

/** [segment][len][key][start] */
export function windowKey(segment: number, key: Buffer, start: number): Buffer {
  const out = Buffer.allocUnsafe(SEGMENT_BYTES + 4 + key.length + 8)
  writeUint64(out, segment, 0)
  out.writeUInt32BE(key.length, SEGMENT_BYTES)
  key.copy(out, SEGMENT_BYTES + 4)
  writeUint64(out, start, SEGMENT_BYTES + 4 + key.length)
  return out
}

export interface DecodedWindowKey {
  segment: number
  /** A view into the backend key, not a copy. */
  key: Buffer
  start: number
}

export function decodeWindowKey(backendKey: Buffer): DecodedWindowKey {
  const length = backendKey.readUInt32BE(SEGMENT_BYTES)
  if (backendKey.length !== SEGMENT_BYTES + 4 + length + 8) throw new Error(`malformed window store key of ${backendKey.length} bytes`)
  return {
    segment: readUint64(backendKey, 0),
    key: backendKey.subarray(SEGMENT_BYTES + 4, SEGMENT_BYTES + 4 + length),
    start: readUint64(backendKey, SEGMENT_BYTES + 4 + length),
  }
}

/** The changelog key of a backend key: the same bytes without the segment (a view). */
export function toChangelogKey(backendKey: Buffer): Buffer {
  return backendKey.subarray(SEGMENT_BYTES)
}

/** The window start carried by a changelog key (its last 8 bytes). */
export function changelogKeyStart(changelogKey: Buffer): number {
  if (changelogKey.length < 12 || changelogKey.readUInt32BE(0) !== changelogKey.length - 12) {
    throw new Error(`malformed window store changelog key of ${changelogKey.length} bytes`)
  }
  return readUint64(changelogKey, changelogKey.length - 8)
}

/** The store key's own bytes inside a changelog key [len][key][start] (a view). */
export function changelogInnerKey(changelogKey: Buffer): Buffer {
  changelogKeyStart(changelogKey)
  return changelogKey.subarray(4, changelogKey.length - 8)
}

/** The store key's own bytes inside a backend key [segment][len][key][start] (a view). */
export function backendInnerKey(backendKey: Buffer): Buffer {
  return decodeWindowKey(backendKey).key
}

/** The backend key for a changelog key, given the segment its start falls in. */
export function fromChangelogKey(changelogKey: Buffer, segment: number): Buffer {
  const out = Buffer.allocUnsafe(SEGMENT_BYTES + changelogKey.length)
  writeUint64(out, segment, 0)
  changelogKey.copy(out, SEGMENT_BYTES)
  return out
}
