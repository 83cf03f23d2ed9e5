import { readUint64, SEGMENT_BYTES, writeUint64 } from './window-key.js'

/**
 * The byte layout of session store keys.
 *
 * backend:   [segment id: 8 BE][key length: 4 BE][key bytes][session end: 8 BE][session start: 8 BE]
 * changelog: [key length: 4 BE][key bytes][session end: 8 BE][session start: 8 BE]
 *
 * Segments are spans of session END times: a session expires by its end, so a whole expired
 * segment is one contiguous range to delete. Within a segment one key's sessions are
 * contiguous (the length prefix) and ordered by end, then start: the sessions of a key that end
 * at or after some time are one range from there. As for window stores, the changelog omits
 * the segment, which restore recomputes from the end.
 */

const TIMES_BYTES = 16

/** [segment][len][key][end][start] */
export function sessionKey(segment: number, key: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(SEGMENT_BYTES + 4 + key.length + TIMES_BYTES)
  writeUint64(out, segment, 0)
  out.writeUInt32BE(key.length, SEGMENT_BYTES)
  key.copy(out, SEGMENT_BYTES + 4)
  writeUint64(out, end, SEGMENT_BYTES + 4 + key.length)
  writeUint64(out, start, SEGMENT_BYTES + 4 + key.length + 8)
  return out
}

/** [segment][len][key][end]: the first backend key of `key`'s sessions in the segment ending at or after `end`. */
export function sessionKeyFromEnd(segment: number, key: Buffer, end: number): Buffer {
  const out = Buffer.allocUnsafe(SEGMENT_BYTES + 4 + key.length + 8)
  writeUint64(out, segment, 0)
  out.writeUInt32BE(key.length, SEGMENT_BYTES)
  key.copy(out, SEGMENT_BYTES + 4)
  writeUint64(out, end, SEGMENT_BYTES + 4 + key.length)
  return out
}

export interface DecodedSessionKey {
  segment: number
  /** A view into the backend key, not a copy. */
  key: Buffer
  start: number
  end: number
}

export function decodeSessionKey(backendKey: Buffer): DecodedSessionKey {
  const length = backendKey.readUInt32BE(SEGMENT_BYTES)
  if (backendKey.length !== SEGMENT_BYTES + 4 + length + TIMES_BYTES) throw new Error(`malformed session store key of ${backendKey.length} bytes`)
  return {
    segment: readUint64(backendKey, 0),
    key: backendKey.subarray(SEGMENT_BYTES + 4, SEGMENT_BYTES + 4 + length),
    end: readUint64(backendKey, SEGMENT_BYTES + 4 + length),
    start: readUint64(backendKey, SEGMENT_BYTES + 4 + length + 8),
  }
}

/** The session end carried by a backend key. */
export function backendKeyEnd(backendKey: Buffer): number {
  return readUint64(backendKey, backendKey.length - TIMES_BYTES)
}

/** The changelog key of a backend key: the same bytes without the segment (a view). */
export function toSessionChangelogKey(backendKey: Buffer): Buffer {
  return backendKey.subarray(SEGMENT_BYTES)
}

/** The session end carried by a changelog key [len][key][end][start]. */
export function sessionChangelogKeyEnd(changelogKey: Buffer): number {
  if (changelogKey.length < 4 + TIMES_BYTES || changelogKey.readUInt32BE(0) !== changelogKey.length - 4 - TIMES_BYTES) {
    throw new Error(`malformed session store changelog key of ${changelogKey.length} bytes`)
  }
  return readUint64(changelogKey, changelogKey.length - TIMES_BYTES)
}

/** The store key's own bytes inside a changelog key [len][key][end][start] (a view). */
export function sessionChangelogInnerKey(changelogKey: Buffer): Buffer {
  sessionChangelogKeyEnd(changelogKey)
  return changelogKey.subarray(4, changelogKey.length - TIMES_BYTES)
}

/** The store key's own bytes inside a backend key [segment][len][key][end][start] (a view). */
export function sessionBackendInnerKey(backendKey: Buffer): Buffer {
  return decodeSessionKey(backendKey).key
}

/** The backend key for a changelog key, given the segment its end falls in. */
export function fromSessionChangelogKey(changelogKey: Buffer, segment: number): Buffer {
  const out = Buffer.allocUnsafe(SEGMENT_BYTES + changelogKey.length)
  writeUint64(out, segment, 0)
  changelogKey.copy(out, SEGMENT_BYTES)
  return out
}
