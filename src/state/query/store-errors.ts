/** A store name the topology does not declare. */
export class UnknownStoreError extends Error {
  override readonly name = 'UnknownStoreError'
}

/** A store that cannot be read right now: the application is not running, or is rebalancing. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError'
}
