/** A window [start, end): start inclusive, end exclusive, in epoch milliseconds. */
export interface TimeWindow {
  readonly start: number
  readonly end: number
}

/** A key together with the window it was aggregated in. */
export interface Windowed<K> {
  readonly key: K
  readonly window: TimeWindow
}
