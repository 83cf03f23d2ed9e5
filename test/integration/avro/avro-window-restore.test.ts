import { expect, test } from 'vitest'
import { Stores } from 'sluice'
import { avroSerde } from 'sluice/avro'
import { RegistryClient } from '../../../src/serde/avro/registry-client.js'
import { openStore } from '../../../src/state/open-store.js'
import { runName } from './helpers.js'

test('a window store with Avro keys restores from its changelog in a fresh process: the key serde prepares the inner key bytes', async () => {
  const name = runName('avro-windows')
  const spec = () =>
    Stores.window<string, number>(name, {
      key: avroSerde<string>({ schema: '"string"', part: 'key' }),
      value: avroSerde<number>({ schema: '"long"' }),
      windowSize: 60_000,
      retention: 600_000,
    })
  const writerSpec = spec()
  await writerSpec.keySerde.prepare?.(name, [])
  await writerSpec.valueSerde.prepare?.(name, [])
  const writer = await openStore(writerSpec, { directory: '', backend: 'memory' })
  if (writer.storeType !== 'window') throw new Error('not a window store')
  writer.put('card-1', 3, 60_000)
  writer.put('card-2', 5, 120_000)
  const changelog = await writer.flush()
  await writer.close()

  // Another process restores the changelog: no schema is cached yet.
  RegistryClient.forgetSchemas()
  const restored = await openStore(spec(), { directory: '', backend: 'memory' })
  if (restored.storeType !== 'window') throw new Error('not a window store')
  await restored.restore(changelog)
  const windows = []
  for await (const { key, value } of restored.fetchAll(0, 600_000)) windows.push({ key: key.key, start: key.window.start, value })
  await restored.close()
  expect(windows).toEqual([
    { key: 'card-1', start: 60_000, value: 3 },
    { key: 'card-2', start: 120_000, value: 5 },
  ])
})
