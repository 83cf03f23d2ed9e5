import avro from 'avsc'
import { createServer, type Socket } from 'node:net'
import { describe, expect, test, vi } from 'vitest'
import { incompatibilities, avroSerde } from 'sluice/avro'
import type { Transaction } from '../../../topologies/transaction.js'
import { toAvroType } from '../../../src/serde/avro/avro-serde.js'
import { RegistryClient } from '../../../src/serde/avro/registry-client.js'
import { avroTransaction, transactionSchema, type TransactionV2 } from '../../../topologies/avro/schemas.js'
import { registryGet, registrySend, runName, tx } from './helpers.js'

/** Serializes as the runtime does: prepare for writing, then serialize. */
async function write<T>(serde: { prepare?: (topic: string, batch: readonly (Buffer | null)[]) => Promise<void>; serialize: (topic: string, value: T) => Buffer | null }, topic: string, value: T): Promise<Buffer> {
  await serde.prepare?.(topic, [])
  const bytes = serde.serialize(topic, value)
  if (bytes === null) throw new Error('serialized to null')
  return bytes
}

/** Deserializes as the runtime does: prepare with the batch, then deserialize. */
async function read<T>(serde: { prepare?: (topic: string, batch: readonly (Buffer | null)[]) => Promise<void>; deserialize: (topic: string, data: Buffer | null) => T }, topic: string, data: Buffer): Promise<T> {
  await serde.prepare?.(topic, [data])
  return serde.deserialize(topic, data)
}

describe('Avro serde against the registry', () => {
  test('registers on first write and frames records in the Confluent wire format', async () => {
    const topic = runName('avro-wire')
    const bytes = await write(avroTransaction('transaction-v1.avsc'), topic, tx())
    const latest = await registryGet<{ id: number; version: number; schema: string }>(`/subjects/${topic}-value/versions/latest`)
    expect(latest?.version).toBe(1)
    expect(bytes[0]).toBe(0)
    expect(bytes.readUInt32BE(1)).toBe(latest?.id)
    expect(toAvroType(latest?.schema ?? '').fromBuffer(bytes.subarray(5))).toEqual(tx())
    // A fresh serde (another process, say) decodes by fetching the schema by id.
    expect(await read(avroTransaction('transaction-v1.avsc'), topic, bytes)).toEqual(tx())
  })

  test('a v2 reader reads v1 records with the default; a v1 reader reads v2 records without the new field', async () => {
    const topic = runName('avro-evolve')
    const v1 = avroTransaction('transaction-v1.avsc')
    const v2 = avroTransaction<TransactionV2>('transaction-v2.avsc')
    const oldBytes = await write(v1, topic, tx({ trans_num: 'old' }))
    const newBytes = await write(v2, topic, { ...tx({ trans_num: 'new' }), merchant_country: 'FR' })
    expect(newBytes.readUInt32BE(1)).not.toBe(oldBytes.readUInt32BE(1))
    const versions = await registryGet<number[]>(`/subjects/${topic}-value/versions`)
    expect(versions).toEqual([1, 2])

    expect(await read(avroTransaction<TransactionV2>('transaction-v2.avsc'), topic, oldBytes)).toEqual({ ...tx({ trans_num: 'old' }), merchant_country: 'US' })
    const oldReader = avroTransaction('transaction-v1.avsc')
    const downgraded = await read(oldReader, topic, newBytes)
    expect(downgraded).toEqual(tx({ trans_num: 'new' }))
    expect(downgraded).not.toHaveProperty('merchant_country')
    // Without a schema of its own the serde returns records as written.
    expect(await read(avroSerde<TransactionV2>(), topic, newBytes)).toEqual({ ...tx({ trans_num: 'new' }), merchant_country: 'FR' })
  })

  test('subject name strategies: topic (key and value), record, topic-record', async () => {
    const topic = runName('avro-subjects')
    const namespace = `sluice.test.${topic.replace(/-/g, '_')}`
    const schema = { type: 'record' as const, name: 'Card', namespace, fields: [{ name: 'cc_num', type: 'string' }] }
    const card = { cc_num: '4000' }
    await write(avroSerde<typeof card>({ schema, part: 'key' }), topic, card)
    await write(avroSerde<typeof card>({ schema, subjectNameStrategy: 'record' }), topic, card)
    await write(avroSerde<typeof card>({ schema, subjectNameStrategy: 'topic-record' }), topic, card)
    for (const subject of [`${topic}-key`, `${namespace}.Card`, `${topic}-${namespace}.Card`]) {
      expect(await registryGet<number[]>(`/subjects/${subject}/versions`), subject).toEqual([1])
    }
    expect(await registryGet(`/subjects/${topic}-value/versions`)).toBeUndefined()
  })

  test('without autoRegister the schema must be registered; useLatestVersion writes with the latest version', async () => {
    const topic = runName('avro-latest')
    const v1 = avroSerde<Transaction>({ schema: transactionSchema('transaction-v1.avsc'), autoRegister: false })
    await expect(v1.prepare?.(topic, [])).rejects.toThrow(`is not registered under subject "${topic}-value" and autoRegister is off`)
    await write(avroTransaction<TransactionV2>('transaction-v2.avsc'), topic, { ...tx(), merchant_country: 'DE' })
    const latest = avroSerde<TransactionV2>({ useLatestVersion: true })
    const bytes = await write(latest, topic, { ...tx(), merchant_country: 'NL' })
    expect(await read(avroTransaction<TransactionV2>('transaction-v2.avsc'), topic, bytes)).toMatchObject({ merchant_country: 'NL' })
    expect(() => latest.serialize(topic, { ...tx(), amt: 'a lot' } as unknown as TransactionV2)).toThrow(/field `amt`: "a lot" is not a valid double/)
  })

  test('an incompatible schema is refused by the registry, and the local check says why', async () => {
    const topic = runName('avro-breaking')
    await write(avroTransaction('transaction-v1.avsc'), topic, tx())
    // The registry's global rule (BACKWARD here) refuses it: the serde sets no level of its own.
    const breaking = avroTransaction('transaction-v2-no-default.avsc')
    await expect(breaking.prepare?.(topic, [])).rejects.toThrow(new RegExp(`cannot register a schema under subject "${topic}-value": .*(Incompatible|incompatible)`))
    expect(await registryGet<number[]>(`/subjects/${topic}-value/versions`)).toEqual([1])

    const v1 = toAvroType(transactionSchema('transaction-v1.avsc'))
    const problems = incompatibilities(toAvroType(transactionSchema('transaction-v2-no-default.avsc')), [{ label: 'version 1', type: v1 }], 'BACKWARD')
    expect(problems).toEqual(['field `merchant_country` added without a default: a reader on the new schema cannot read old records (version 1)'])
    expect(incompatibilities(toAvroType(transactionSchema('transaction-v2.avsc')), [{ label: 'version 1', type: v1 }], 'FULL_TRANSITIVE')).toEqual([])
  })

  test("registering leaves the subject's compatibility level alone: a FULL_TRANSITIVE subject takes a compatible new schema", async () => {
    const topic = runName('avro-full')
    const subject = `${topic}-value`
    await registrySend('PUT', `/config/${subject}`, { compatibility: 'FULL_TRANSITIVE' })
    const oldBytes = await write(avroTransaction('transaction-v1.avsc'), topic, tx({ trans_num: 'old' }))
    await write(avroTransaction<TransactionV2>('transaction-v2.avsc'), topic, { ...tx({ trans_num: 'new' }), merchant_country: 'FR' })
    expect(await registryGet<number[]>(`/subjects/${subject}/versions`)).toEqual([1, 2])
    expect((await registryGet<{ compatibilityLevel: string }>(`/config/${subject}`))?.compatibilityLevel).toBe('FULL_TRANSITIVE')
    // What sluice schema check checks under: the subject's level, else the registry's global rule (BACKWARD in these services).
    expect(await RegistryClient.for().compatibilityLevel(subject)).toBe('FULL_TRANSITIVE')
    expect(await RegistryClient.for().compatibilityLevel(`${topic}-other-value`)).toBe('BACKWARD')
    expect(await read(avroTransaction<TransactionV2>('transaction-v2.avsc'), topic, oldBytes)).toMatchObject({ trans_num: 'old', merchant_country: 'US' })
  })

  test('an unnamed schema (a primitive key, a union) registers on first write and round-trips', async () => {
    const topic = runName('avro-primitive')
    const keyBytes = await write(avroSerde<string>({ schema: '"string"', part: 'key' }), topic, 'card-1')
    const latest = await registryGet<{ id: number; schema: string }>(`/subjects/${topic}-key/versions/latest`)
    expect(keyBytes.readUInt32BE(1)).toBe(latest?.id)
    expect(JSON.parse(latest?.schema ?? '')).toBe('string')
    RegistryClient.forgetSchemas()
    expect(await read(avroSerde<string>({ schema: '"string"', part: 'key' }), topic, keyBytes)).toBe('card-1')
    expect(await read(avroSerde<string>({ part: 'key' }), topic, keyBytes)).toBe('card-1')
    const union = avroSerde<string | null>({ schema: ['null', 'string'] })
    expect(await read(union, topic, await write(union, topic, 'x'))).toBe('x')
  })

  test("a consumer-only process decodes with the reader's own type, as the producing process does", async () => {
    const topic = runName('avro-reader-type')
    const schema = { type: 'record', name: 'Note', fields: [{ name: 'text', type: ['null', 'string'] }] } as avro.Schema
    // Same schema as registered, but avsc reads unions wrapped ({ string: ... }) with this type.
    const wrapped = (): avro.Type => avro.Type.forSchema(schema, { wrapUnions: true })
    const value = { text: { string: 'hello' } }
    const bytes = await write(avroSerde({ schema: wrapped() }), topic, value)
    expect(await read(avroSerde({ schema: wrapped() }), topic, bytes)).toEqual(value)
    expect(await read(avroSerde(), topic, bytes)).toEqual({ text: 'hello' })
    RegistryClient.forgetSchemas()
    expect(await read(avroSerde({ schema: wrapped() }), topic, bytes)).toEqual(value)
    // Without a schema of its own a serde reads as the registry's schema says (unions unwrapped).
    expect(await read(avroSerde(), topic, bytes)).toEqual({ text: 'hello' })
  })

  test('preparing to write loads soft-deleted versions too, so records written with them decode', async () => {
    const topic = runName('avro-soft-deleted')
    const subject = `${topic}-value`
    const oldBytes = await write(avroTransaction('transaction-v1.avsc'), topic, tx({ trans_num: 'old' }))
    await write(avroTransaction<TransactionV2>('transaction-v2.avsc'), topic, { ...tx(), merchant_country: 'FR' })
    await registrySend('DELETE', `/subjects/${subject}/versions/1`)
    expect(await registryGet<number[]>(`/subjects/${subject}/versions`)).toEqual([2])
    RegistryClient.forgetSchemas()
    const v2 = avroTransaction<TransactionV2>('transaction-v2.avsc')
    await v2.prepare?.(topic, [])
    // No prepare with the batch: a store reads back synchronously what the writer's prepare loaded.
    expect(v2.deserialize(topic, oldBytes)).toMatchObject({ trans_num: 'old', merchant_country: 'US' })
    const versions = await RegistryClient.for().versions(subject, { includeDeleted: true })
    expect(versions.map(({ version, deleted }) => ({ version, deleted: deleted ?? false }))).toEqual([
      { version: 1, deleted: true },
      { version: 2, deleted: false },
    ])
    // A deleted version is not one to write with or check against.
    expect((await RegistryClient.for().versions(subject)).map((version) => version.version)).toEqual([2])
  })

  test('a schema id the registry does not have is asked for again after a while, not missing for the life of the process', async () => {
    const client = RegistryClient.for()
    const unknown = 2_000_000_000 + Math.floor(Math.random() * 100_000_000)
    const fetches = vi.spyOn(globalThis, 'fetch')
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      await client.fetchSchemas([unknown])
      expect(client.isMissing(unknown)).toBe(true)
      await client.fetchSchemas([unknown])
      expect(fetches).toHaveBeenCalledTimes(1)
      vi.setSystemTime(Date.now() + 11_000)
      await client.fetchSchemas([unknown])
      expect(fetches).toHaveBeenCalledTimes(2)
      expect(client.isMissing(unknown)).toBe(true)
    } finally {
      vi.useRealTimers()
      fetches.mockRestore()
    }
  })

  test('a registry that does not answer fails the prepare after the timeout, naming the registry', async () => {
    const sockets: Socket[] = []
    const server = createServer((socket) => sockets.push(socket))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
    const saved = RegistryClient.requestTimeoutMs
    RegistryClient.requestTimeoutMs = 200
    try {
      const serde = avroSerde<string>({ schema: '"string"', registryUrl: url })
      await expect(serde.prepare?.('hung', [])).rejects.toThrow(`schema registry ${url}: GET /subjects/hung-value/versions did not answer within 200 ms`)
      await expect(serde.prepare?.('hung', [Buffer.from([0, 0, 0, 0, 7, 1])])).rejects.toThrow(`schema registry ${url}: GET /schemas/ids/7 did not answer within 200 ms`)
    } finally {
      RegistryClient.requestTimeoutMs = saved
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  test('a writer schema the reader cannot read fails each record with the reason, resolved once', async () => {
    const topic = runName('avro-unreadable')
    const bytes = await write(avroSerde<string>({ schema: '"string"' }), `${topic}-strings`, 'text')
    const reader = avro.Type.forSchema({ type: 'record', name: 'Count', fields: [{ name: 'n', type: 'long' }] })
    // avsc's types are frozen: count resolutions on the prototype.
    const createResolver = vi.spyOn(avro.Type.prototype, 'createResolver')
    try {
      const serde = avroSerde({ schema: reader })
      await serde.prepare?.(topic, [bytes])
      expect(() => serde.deserialize(topic, bytes)).toThrow(/cannot be read with the reader schema Count/)
      const once = createResolver.mock.calls.length
      expect(once).toBeGreaterThan(0)
      for (let i = 0; i < 2; i++) expect(() => serde.deserialize(topic, bytes)).toThrow(/cannot be read with the reader schema Count/)
      expect(createResolver).toHaveBeenCalledTimes(once)
    } finally {
      createResolver.mockRestore()
    }
  })

  test('null stays a tombstone both ways', async () => {
    const topic = runName('avro-null')
    const serde = avroTransaction('transaction-v1.avsc')
    await serde.prepare?.(topic, [])
    expect(serde.serialize(topic, null as unknown as Transaction)).toBeNull()
    expect(serde.deserialize(topic, null)).toBeNull()
  })
})
