import type { Topology } from '../../topology/topology.js'
import type { StoreSpec } from '../store.js'

/** A store name the topology does not declare. */
export class UnknownStoreError extends Error {
  override readonly name = 'UnknownStoreError'
}

/** A store that cannot be read right now: the application is not running, or is rebalancing. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError'
}

/** The declared store of that name, or an error listing the ones there are. */
export function storeSpecOf(topology: Topology, name: string): StoreSpec {
  const spec = topology.stores.get(name)
  if (spec) return spec
  const known = [...topology.stores.keys()]
  throw new UnknownStoreError(`application ${topology.applicationId} has no store "${name}"; its stores: ${known.length > 0 ? known.join(', ') : 'none'}`)
}

/** The topic a store's serdes see: its changelog, as in the running tasks (else the store name). */
export function storeSerdeTopic(topology: Topology, name: string): string {
  return topology.changelogTopicOf(name) ?? name
}
