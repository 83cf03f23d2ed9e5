/** A binary min-heap of timed events; ties go to the event pushed first, so order is deterministic. */
export class EventQueue<E> {
  private readonly heap: { time: number; seq: number; event: E }[] = []
  private seq = 0

  get size(): number {
    return this.heap.length
  }

  push(time: number, event: E): void {
    const heap = this.heap
    heap.push({ time, seq: this.seq++, event })
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.less(i, parent)) break
      ;[heap[i], heap[parent]] = [heap[parent], heap[i]]
      i = parent
    }
  }

  /** The earliest event and its time, or undefined when empty. */
  pop(): { time: number; event: E } | undefined {
    const heap = this.heap
    if (heap.length === 0) return undefined
    const top = heap[0]
    const last = heap.pop() as (typeof heap)[number]
    if (heap.length > 0) {
      heap[0] = last
      let i = 0
      for (;;) {
        const left = 2 * i + 1
        const right = left + 1
        let smallest = i
        if (left < heap.length && this.less(left, smallest)) smallest = left
        if (right < heap.length && this.less(right, smallest)) smallest = right
        if (smallest === i) break
        ;[heap[i], heap[smallest]] = [heap[smallest], heap[i]]
        i = smallest
      }
    }
    return { time: top.time, event: top.event }
  }

  private less(i: number, j: number): boolean {
    const a = this.heap[i]
    const b = this.heap[j]
    return a.time < b.time || (a.time === b.time && a.seq < b.seq)
  }
}
