import { describe, expect, test } from 'vitest'
import { incompatibilities, type CompatibilityLevel } from 'sluice/avro'
import { toAvroType } from '../../../src/serde/avro/avro-serde.js'

function record(fields: unknown[], extra: object = {}) {
  return toAvroType({ type: 'record', name: 'test.Card', fields, ...extra } as never)
}

function check(next: ReturnType<typeof record>, old: ReturnType<typeof record>, level: CompatibilityLevel): string[] {
  return incompatibilities(next, [{ label: 'v1', type: old }], level)
}

/** The card record with `count` of the given type (none: no such field) and the enum's symbols. */
function card(count: unknown, symbols = ['A', 'B']) {
  const countField = count === undefined ? [] : [{ name: 'count', type: count }]
  return record([{ name: 'id', type: 'string' }, ...countField, { name: 'kind', type: { type: 'enum', name: 'Kind', symbols } }])
}

describe('local compatibility check', () => {
  const v1 = card('int')

  test('removing a field that the old schema has no default for breaks FORWARD, not BACKWARD', () => {
    expect(check(card(undefined), v1, 'BACKWARD')).toEqual([])
    expect(check(card(undefined), v1, 'FORWARD')).toEqual(['field `count` removed while the old schema has no default for it: a reader on the old schema (v1) cannot read new records'])
  })

  test('int widened to long is a promotion (BACKWARD), but old readers cannot narrow it (FORWARD)', () => {
    expect(check(card('long'), v1, 'BACKWARD')).toEqual([])
    expect(check(card('long'), v1, 'FULL')).toEqual(['field `count` changed type from int to long, which Avro cannot convert: a reader on the old schema (v1) cannot read new records'])
  })

  test('enum symbols: adding one breaks old readers without an enum default; removing one breaks new readers', () => {
    const added = card('int', ['A', 'B', 'C'])
    expect(check(added, v1, 'FULL')).toEqual(['field `kind` gained enum symbol `C` and the old enum has no default: a reader on the old schema (v1) cannot read new records'])
    expect(check(v1, added, 'BACKWARD')).toEqual(['field `kind` lost enum symbol `C` and has no enum default: a reader on the new schema cannot read old records (v1)'])
  })

  test('a field renamed with an alias and an int made optional are BACKWARD compatible, but old readers cannot read them', () => {
    const next = record([
      { name: 'card_id', type: 'string', aliases: ['id'] },
      { name: 'count', type: ['null', 'int'], default: null },
      { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['A', 'B'] } },
    ])
    expect(check(next, v1, 'BACKWARD')).toEqual([])
    // Old readers look for `id`, which new records call `card_id`: the alias only helps new readers.
    expect(check(next, v1, 'FORWARD')).toEqual(['field `id` removed while the old schema has no default for it: a reader on the old schema (v1) cannot read new records', 'field `count` changed type from int to union [null, int], which Avro cannot convert (its null branch): a reader on the old schema (v1) cannot read new records'])
  })

  test('transitive levels check every earlier version, the plain ones only the latest', () => {
    const v2 = record([{ name: 'id', type: 'string' }])
    const v3 = record([
      { name: 'id', type: 'string' },
      { name: 'count', type: 'int', default: 0 },
    ])
    const history = [
      { label: 'v1', type: record([{ name: 'id', type: 'long' }]) },
      { label: 'v2', type: v2 },
    ]
    expect(incompatibilities(v3, history, 'BACKWARD')).toEqual([])
    expect(incompatibilities(v3, history, 'BACKWARD_TRANSITIVE')).toEqual(['field `id` changed type from long to string, which Avro cannot convert: a reader on the new schema cannot read old records (v1)'])
    expect(incompatibilities(v3, history, 'NONE')).toEqual([])
  })
})
