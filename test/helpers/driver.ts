import { TopologyTestDriver, type TestDriverOptions } from 'sluice/testing'
import type { BackendKind, KeyValue, Topology } from 'sluice'

/** The backends every backend-sensitive test runs on. */
export const BACKENDS: readonly BackendKind[] = ['memory', 'leveldb']

/** Runs `body` with a fresh driver on the backend and always closes it. */
export async function withDriver<T>(topology: Topology, options: TestDriverOptions, body: (driver: TopologyTestDriver) => Promise<T>): Promise<T> {
  const driver = await TopologyTestDriver.create(topology, options)
  try {
    return await body(driver)
  } finally {
    await driver.close()
  }
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of iterable) out.push(item)
  return out
}

export function entries<K, V>(list: readonly KeyValue<K, V>[]): [K, V][] {
  return list.map(({ key, value }) => [key, value])
}
