import { expect, test } from 'vitest'
import { defineTopology, serdes } from 'sluice'
import { avroSerde } from 'sluice/avro'
import { avroSubjectsOf } from '../../src/topology/topology-schemas.js'

const card = (countryDefault: string) => ({
  type: 'record' as const,
  name: 'Card',
  namespace: 'sluice.test.subjects',
  fields: [
    { name: 'cc_num', type: 'string' },
    { name: 'country', type: 'string', default: countryDefault },
  ],
})

test('serdes on one subject whose schemas differ only in a default (or an alias) are checked each', () => {
  const topology = defineTopology({ applicationId: 'subjects-app' }, (b) => {
    b.stream('cards-in', { key: serdes.string(), value: avroSerde({ schema: card('US'), subjectNameStrategy: 'record' }) }).to('cards-out', {
      key: serdes.string(),
      value: avroSerde({ schema: card('FR'), subjectNameStrategy: 'record' }),
    })
  })
  const uses = avroSubjectsOf(topology)
  expect(uses.map((use) => ({ subject: use.subject, uses: use.uses }))).toEqual([
    { subject: 'sluice.test.subjects.Card', uses: ['source topic cards-in (value)'] },
    { subject: 'sluice.test.subjects.Card', uses: ['sink topic cards-out (value)'] },
  ])
  // The same schema twice is one check.
  const same = defineTopology({ applicationId: 'subjects-app' }, (b) => {
    b.stream('cards-in', { key: serdes.string(), value: avroSerde({ schema: card('US'), subjectNameStrategy: 'record' }) }).to('cards-out', {
      key: serdes.string(),
      value: avroSerde({ schema: card('US'), subjectNameStrategy: 'record' }),
    })
  })
  expect(avroSubjectsOf(same).map((use) => use.uses)).toEqual([['source topic cards-in (value)', 'sink topic cards-out (value)']])
})
