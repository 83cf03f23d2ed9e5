// Fatal: a byte sequence that is not UTF-8 throws instead of becoming U+FFFD, so a corrupted
// record fails (and is dead-lettered) rather than turning into a different, valid-looking value.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Decodes UTF-8 text; throws an Error naming `what` on bytes that are not valid UTF-8. */
export function decodeUtf8(data: Uint8Array, what = 'the bytes'): string {
  try {
    return decoder.decode(data)
  } catch {
    throw new Error(`${what} are not valid UTF-8`)
  }
}
