/** The last `capacity` entries added, oldest first: what a console lists without growing. */
export class RecentEntries<T> {
  private readonly entries: T[] = []

  constructor(private readonly capacity: number) {}

  add(entry: T): void {
    this.entries.push(entry)
    if (this.entries.length > this.capacity) this.entries.shift()
  }

  list(): readonly T[] {
    return [...this.entries]
  }
}
