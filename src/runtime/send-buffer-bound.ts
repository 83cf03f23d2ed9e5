/** Unsent or unacknowledged outputs beyond this many records make the next batch commit early. */
export const MAX_BUFFERED_RECORDS = 50_000

/** What holds outputs until they are acknowledged: the BackgroundSender, a task's BufferedCollector. */
export interface OutputBuffer {
  /** Records held. */
  readonly size: number
  /** Their bytes. */
  readonly bytes: number
}

/**
 * Whether the outputs held (at-least-once: given to the sender and not acknowledged;
 * exactly-once: buffered for the tasks' transactions) are past either bound, so that the batch
 * just processed commits now: the commit waits for them to be acknowledged (or sends them in
 * its transaction), which is what frees them. The bound is checked between batches, so one
 * batch's outputs may go over it.
 */
export function sendBufferFull(buffers: Iterable<OutputBuffer | undefined>, maxBytes: number): boolean {
  let records = 0
  let bytes = 0
  for (const buffer of buffers) {
    if (buffer === undefined) continue
    records += buffer.size
    bytes += buffer.bytes
  }
  return records >= MAX_BUFFERED_RECORDS || bytes >= maxBytes
}
