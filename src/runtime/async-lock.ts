/** Runs async sections one at a time, in call order (processing and commits must not interleave). */
export class AsyncLock {
  private tail: Promise<unknown> = Promise.resolve()

  run<T>(section: () => Promise<T>): Promise<T> {
    const result = this.tail.then(section)
    this.tail = result.catch(() => undefined)
    return result
  }
}
