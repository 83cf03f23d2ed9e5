/**
 * Items ordered by timestamp, oldest first, and by insertion among equal timestamps: a binary
 * min-heap, so that records arriving mostly in order cost O(log n) each to add and take.
 */
export class TimestampQueue<T> {
  private readonly heap: { timestamp: number; sequence: number; item: T }[] = []
  private sequence = 0

  get size(): number {
    return this.heap.length
  }

  add(timestamp: number, item: T): void {
    const heap = this.heap
    heap.push({ timestamp, sequence: this.sequence++, item })
    let index = heap.length - 1
    while (index > 0) {
      const parent = (index - 1) >> 1
      if (!this.before(index, parent)) break
      this.swap(index, parent)
      index = parent
    }
  }

  /** The oldest timestamp, or undefined when empty. */
  peekTimestamp(): number | undefined {
    return this.heap[0]?.timestamp
  }

  /** Takes the oldest item (undefined when empty). */
  take(): { timestamp: number; item: T } | undefined {
    const heap = this.heap
    if (heap.length === 0) return undefined
    const top = heap[0]
    const last = heap.pop() as (typeof heap)[number]
    if (heap.length > 0) {
      heap[0] = last
      let index = 0
      for (;;) {
        const left = 2 * index + 1
        const right = left + 1
        let smallest = index
        if (left < heap.length && this.before(left, smallest)) smallest = left
        if (right < heap.length && this.before(right, smallest)) smallest = right
        if (smallest === index) break
        this.swap(index, smallest)
        index = smallest
      }
    }
    return { timestamp: top.timestamp, item: top.item }
  }

  private before(a: number, b: number): boolean {
    const x = this.heap[a]
    const y = this.heap[b]
    return x.timestamp < y.timestamp || (x.timestamp === y.timestamp && x.sequence < y.sequence)
  }

  private swap(a: number, b: number): void {
    const heap = this.heap
    const held = heap[a]
    heap[a] = heap[b]
    heap[b] = held
  }
}
