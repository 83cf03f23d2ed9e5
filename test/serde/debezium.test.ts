import { afterEach, describe, expect, test } from 'vitest'
import { DEAD_LETTER_HEADERS, defineTopology, serdes } from 'sluice'
import { debeziumRows, type DebeziumChange, debeziumSerde, debeziumKeySerde } from 'sluice/debezium'
import { generateTransactions } from '../../demo/generator/index.js'
import { TopologyTestDriver } from 'sluice/testing'
import type { Transaction } from '../../topologies/transaction.js'
import { transaction as transactionSerde } from '../../topologies/schemas.js'

const TOPIC = 'pg.public.transactions'
const rows = [...generateTransactions({ count: 3, seed: 5, users: 1 })].map((record) => record.transaction)
const [row, row2, row3] = rows

const SCHEMA = { type: 'struct', name: 'pg.public.transactions.Envelope', optional: false, fields: [{ field: 'before' }, { field: 'after' }, { field: 'source' }, { field: 'op' }, { field: 'ts_ms' }] }

function payload(op: string, before: unknown, after: unknown, extra: Record<string, unknown> = {}) {
  return { before, after, source: { version: '2.7.0.Final', connector: 'postgresql', name: 'pg', ts_ms: 1_704_067_200_123, snapshot: op === 'r' ? 'true' : 'false', db: 'sluice', schema: 'public', table: 'transactions', lsn: 123 }, op, ts_ms: 1_704_067_200_456, transaction: null, ...extra }
}

/** A message as Debezium's JSON converter writes it, with schemas enabled unless told otherwise. */
function envelope(op: string, before: unknown, after: unknown, schemas = true): Buffer {
  return Buffer.from(JSON.stringify(schemas ? { schema: SCHEMA, payload: payload(op, before, after) } : payload(op, before, after)))
}

function isTransaction(value: unknown): value is Transaction {
  return typeof value === 'object' && value !== null && typeof (value as Transaction).amt === 'number' && typeof (value as Transaction).category === 'string'
}

const serde = debeziumSerde<Transaction>({ validate: isTransaction })
const read = (data: Buffer | null) => serde.deserialize(TOPIC, data)

describe('Debezium serde', () => {
  test('create: the after row, with source timestamp, table and position in the log', () => {
    expect(read(envelope('c', null, row))).toEqual({ op: 'c', before: null, after: row, sourceTsMs: 1_704_067_200_123, tsMs: 1_704_067_200_456, table: 'public.transactions', snapshot: false, lsn: 123 })
    // A resent change carries the same position; the transaction id when the connector gives one.
    const resent = payload('c', null, row, { source: { ts_ms: 1, lsn: 456, txId: 789 } })
    expect(read(Buffer.from(JSON.stringify(resent)))).toMatchObject({ lsn: 456, txId: 789 })
  })

  test('snapshot read', () => {
    const change = read(envelope('r', null, row))
    expect(change).toMatchObject({ op: 'r', before: null, after: row, snapshot: true })
  })

  test('update: the new row, and the old one when the table has REPLICA IDENTITY FULL', () => {
    const updated = { ...row, is_fraud: 1 }
    expect(read(envelope('u', null, updated))).toMatchObject({ op: 'u', before: null, after: updated })
    expect(read(envelope('u', row, updated))).toMatchObject({ op: 'u', before: row, after: updated })
  })

  test('delete: no after, before holds the key (or the whole row); a tombstone is null', () => {
    expect(read(envelope('d', { trans_num: row.trans_num }, null))).toMatchObject({ op: 'd', before: { trans_num: row.trans_num }, after: null })
    expect(read(null)).toBeNull()
  })

  test('payload-only events (schemas disabled)', () => {
    expect(read(envelope('c', null, row, false))).toMatchObject({ op: 'c', after: row, sourceTsMs: 1_704_067_200_123 })
    expect(read(envelope('d', row, null, false))).toMatchObject({ op: 'd', before: row, after: null })
  })

  test('decimal.handling.mode=double: numeric columns are plain numbers', () => {
    const change = read(Buffer.from(`{"payload":{"op":"c","before":null,"after":${JSON.stringify({ ...row, amt: 12.5 })}}}`))
    expect(change?.after?.amt).toBe(12.5)
  })

  test.each([
    ['not JSON', Buffer.from('{"payload": '), /malformed Debezium envelope: the value is not JSON/],
    ['not an object', Buffer.from('[1,2]'), /malformed Debezium envelope: the value is not a JSON object/],
    ['a schema without payload', Buffer.from(JSON.stringify({ schema: SCHEMA })), /malformed Debezium envelope: it has a "schema" but no "payload"/],
    ['a null payload', Buffer.from(JSON.stringify({ schema: SCHEMA, payload: null })), /malformed Debezium envelope: "payload" is null/],
    ['no payload at all', Buffer.from(JSON.stringify({ hello: 'world' })), /malformed Debezium envelope: no "payload" with an "op"/],
    ['an unknown op', envelope('x', null, row), /malformed Debezium envelope: unknown op "x" \(expected c, u, d or r\)/],
    ['a truncate event', envelope('t', null, null), /unknown op "t"/],
    ['a create without after', envelope('c', null, null), /malformed Debezium envelope: op "c" without an "after" row/],
    ['an update without after', envelope('u', row, undefined), /op "u" without an "after" row/],
    ['a snapshot read without after', envelope('r', null, null), /op "r" without an "after" row/],
    ['an after of the wrong shape', envelope('c', null, { id: 1 }), /the "after" row of an op "c" event does not have the expected shape/],
    ['a delete with an after row', envelope('d', row, row), /a delete \(op "d"\) has an "after" row/],
    ['a before that is not an object', envelope('u', 'old', row), /"before" of an op "u" event is not an object/],
  ])('malformed: %s', (_what, data, reason) => {
    expect(() => read(data)).toThrowError(reason)
  })

  test('serialize writes a payload-only event that reads back', () => {
    const change: DebeziumChange<Transaction> = { op: 'u', before: { trans_num: row.trans_num }, after: row, sourceTsMs: 5, tsMs: 6, table: 'public.transactions', snapshot: false }
    expect(read(serde.serialize(TOPIC, change))).toEqual(change)
    expect(serde.serialize(TOPIC, null)).toBeNull()
  })

  test('keys: the primary-key struct with or without schema', () => {
    const keys = debeziumKeySerde<{ trans_num: string }>()
    expect(keys.deserialize(TOPIC, Buffer.from(JSON.stringify({ schema: { type: 'struct' }, payload: { trans_num: 'abc' } })))).toEqual({ trans_num: 'abc' })
    expect(keys.deserialize(TOPIC, Buffer.from(JSON.stringify({ trans_num: 'abc' })))).toEqual({ trans_num: 'abc' })
    expect(() => keys.deserialize(TOPIC, Buffer.from('nope'))).toThrowError(/the key is not JSON/)
  })
})

describe('debeziumRows', () => {
  const create = { op: 'c', before: null, after: row } as const
  const snapshot = { op: 'r', before: null, after: row2 } as const
  const update = { op: 'u', before: null, after: row3 } as const
  const remove = { op: 'd', before: { trans_num: row.trans_num }, after: null } as const
  const changes: (DebeziumChange<Transaction> | null)[] = [create, snapshot, update, remove, null]

  test('default: c, r and u yield the after row; deletes and tombstones yield nothing', () => {
    expect(changes.flatMap(debeziumRows<Transaction>())).toEqual([row, row2, row3])
  })

  test('updates skipped for insert-only facts', () => {
    expect(changes.flatMap(debeziumRows<Transaction>({ updates: 'skip' }))).toEqual([row, row2])
  })

  test('deletes as tombstones (null) for tables and upserting sinks', () => {
    expect(changes.flatMap(debeziumRows<Transaction>({ deletes: 'tombstone' }))).toEqual([row, row2, row3, null])
  })
})

describe('Debezium input in a topology', () => {
  let driver: TopologyTestDriver | undefined
  afterEach(async () => {
    await driver?.close()
    driver = undefined
  })

  test('good envelopes become rows; a malformed one goes to the dead-letter topic with its reason', async () => {
    const topology = defineTopology({ applicationId: 'debezium-rows' }, (b) => {
      b.stream(TOPIC, { key: debeziumKeySerde<{ trans_num: string }>(), value: debeziumSerde<Transaction>({ validate: isTransaction }) })
        .flatMapValues(debeziumRows<Transaction>({ updates: 'skip' }))
        .selectKey((_key, tx) => tx.cc_num)
        .to('transactions', { key: serdes.string(), value: transactionSerde })
    })
    driver = await TopologyTestDriver.create(topology, { backend: 'memory', deadLetterTopic: 'dead-letters' })
    const input = driver.createInputTopic(TOPIC, serdes.bytes(), serdes.bytes())
    const key = (tx: Transaction) => Buffer.from(JSON.stringify({ schema: { type: 'struct' }, payload: { trans_num: tx.trans_num } }))
    const broken = Buffer.from('{"schema": {}, "payload": {"op": "c", "before": null, "after": null}}')
    await input.pipeRaw([
      { key: key(row), value: envelope('r', null, row) },
      { key: key(row2), value: envelope('c', null, row2, false) },
      { key: key(row2), value: broken },
      { key: key(row2), value: envelope('u', null, { ...row2, is_fraud: 1 }) },
      { key: key(row3), value: Buffer.from('not json') },
      { key: key(row), value: envelope('d', { trans_num: row.trans_num }, null) },
      { key: key(row), value: null },
      { key: key(row3), value: envelope('c', null, row3) },
    ])
    const output = driver.createOutputTopic('transactions', serdes.string(), transactionSerde)
    expect(output.readKeyValuesToList()).toEqual([row, row2, row3].map((tx) => ({ key: tx.cc_num, value: tx })))

    const dead = driver.topicContents('dead-letters')
    expect(dead).toHaveLength(2)
    expect(dead.map((record) => record.value)).toEqual([broken, Buffer.from('not json')])
    const error = (i: number) => String(dead[i].headers[DEAD_LETTER_HEADERS.error])
    expect(error(0)).toMatch(/topic pg\.public\.transactions, partition 0, offset 2: malformed Debezium envelope: op "c" without an "after" row/)
    expect(error(1)).toMatch(/offset 4: malformed Debezium envelope: the value is not JSON/)
    expect(String(dead[0].headers[DEAD_LETTER_HEADERS.errorClass])).toBe('DeserializationError')
  })
})
