import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Topology } from '../topology/topology.js'

/** Imports a topology file (TypeScript through tsx) and returns its default export. */
export async function loadTopology(file: string): Promise<Topology> {
  const module = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown }
  const topology = module.default
  if (!(topology instanceof Topology)) {
    throw new Error(`${file} must export a topology as default: export default defineTopology({ applicationId }, (b) => { ... })`)
  }
  return topology
}
