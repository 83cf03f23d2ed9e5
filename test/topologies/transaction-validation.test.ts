import { afterEach, describe, expect, test } from 'vitest'
import { DEAD_LETTER_HEADERS, defineTopology, serdes, Stores, type Windowed } from 'sluice'
import { TopologyTestDriver } from 'sluice/testing'
import { DEFAULT_SCORING, emptyProfile, nonFiniteFields, type UserProfile } from '../../topologies/anomaly-scoring.js'
import { categoryCounts } from '../../topologies/category-counts.js'
import { transaction, transactionProblems, type Transaction } from '../../topologies/schemas.js'
import { cardSession, fraudAlert, userAnomaly, UserAnomalyProcessor, userProfile } from '../../topologies/user-anomaly.js'
import { DAY, normalHistory, START, tx } from './fixtures.js'

const CARD = '4000000000000001'
const json = (value: unknown) => Buffer.from(JSON.stringify(value))
/** A transaction as JSON text with one field replaced by raw JSON (`1e999` reads as Infinity, which JSON.stringify cannot write). */
const withRaw = (base: Transaction, field: string, rawJson: string | undefined) => {
  const { [field]: _dropped, ...rest } = base as unknown as { [name: string]: unknown }
  const text = JSON.stringify(rest)
  return Buffer.from(rawJson === undefined ? text : `${text.slice(0, -1)},"${field}":${rawJson}}`)
}

/** Bad transactions, each with the field and the reason its dead letter must name. */
function badTransactions(): { name: string; value: Buffer; reason: RegExp }[] {
  const t = () => tx({ cc_num: CARD })
  const cases: { name: string; value: Buffer; reason: RegExp }[] = [
    { name: 'amt 1e999 (Infinity)', value: withRaw(t(), 'amt', '1e999'), reason: /field "amt" must be a finite number, got Infinity/ },
    { name: 'amt as text', value: withRaw(t(), 'amt', '"12.50"'), reason: /field "amt" must be a finite number, got "12.50"/ },
    { name: 'lat out of range', value: withRaw(t(), 'lat', '91'), reason: /field "lat" must be between -90 and 90 degrees, got 91/ },
    { name: 'merch_long out of range', value: withRaw(t(), 'merch_long', '-180.5'), reason: /field "merch_long" must be between -180 and 180 degrees/ },
    { name: 'unix_time negative', value: withRaw(t(), 'unix_time', '-1'), reason: /field "unix_time" must be between 0 and/ },
    { name: 'cc_num empty', value: withRaw(t(), 'cc_num', '""'), reason: /field "cc_num" must not be empty/ },
    { name: 'cc_num a number', value: withRaw(t(), 'cc_num', '4000000000000001'), reason: /field "cc_num" must be a string, got 4000000000000001/ },
    { name: 'category an object', value: withRaw(t(), 'category', '{}'), reason: /field "category" must be a string, got \{\}/ },
    { name: 'category with a control character', value: withRaw(t(), 'category', '"gro\\u0000cery"'), reason: /field "category" must not contain control characters/ },
    { name: 'an array', value: json([t()]), reason: /a transaction must be a JSON object/ },
    { name: 'a string', value: json('hello'), reason: /a transaction must be a JSON object, got "hello"/ },
  ]
  // Every field the topologies read, missing.
  for (const field of ['cc_num', 'trans_num', 'category', 'merchant', 'trans_date_trans_time', 'amt', 'unix_time', 'lat', 'long', 'merch_lat', 'merch_long']) {
    cases.push({ name: `${field} missing`, value: withRaw(t(), field, undefined), reason: new RegExp(`field "${field}" must be .*, got missing`) })
  }
  return cases
}

type WrittenRecord = ReturnType<TopologyTestDriver['topicContents']>[number]

function expectDeadLettered(dead: readonly WrittenRecord[], expected: { value: Buffer; reason: RegExp; offset: number; topic: string }[]): void {
  expect(dead).toHaveLength(expected.length)
  dead.forEach((record, index) => {
    const header = (name: string) => record.headers[name]?.toString()
    expect(record.value).toEqual(expected[index].value)
    expect([header(DEAD_LETTER_HEADERS.topic), header(DEAD_LETTER_HEADERS.partition), header(DEAD_LETTER_HEADERS.offset), header(DEAD_LETTER_HEADERS.errorClass)]).toEqual([
      expected[index].topic,
      '0',
      String(expected[index].offset),
      'DeserializationError',
    ])
    expect(header(DEAD_LETTER_HEADERS.error)).toMatch(/Cannot deserialize the value .*: invalid transaction: /)
    expect(header(DEAD_LETTER_HEADERS.error)).toMatch(expected[index].reason)
  })
}

describe('the transaction schema checks every field the topologies read', () => {
  test('a generated-like transaction has no problem; each bad one names its field and reason', () => {
    expect(transactionProblems(tx())).toEqual([])
    for (const bad of badTransactions()) {
      const problems = transactionProblems(JSON.parse(bad.value.toString()))
      expect(problems.join('; '), bad.name).toMatch(bad.reason)
      expect(() => transaction.deserialize('t', bad.value), bad.name).toThrow(bad.reason)
    }
    expect(transaction.deserialize('t', null)).toBeNull()
  })
})

describe('bad transactions in the shipped topologies go to the dead-letter topic', () => {
  let driver: TopologyTestDriver | undefined
  afterEach(async () => {
    await driver?.close()
    driver = undefined
  })

  test('user-anomaly: every bad transaction is dead-lettered, the good ones are scored, and an alert still fires', async () => {
    driver = await TopologyTestDriver.create(userAnomaly(), { backend: 'memory', deadLetterTopic: 'dlq' })
    const input = driver.createInputTopic('transactions', serdes.string(), serdes.bytes())
    const history = normalHistory(10)
    const bad = badTransactions()
    // Good and bad interleaved: bad record i sits at offset 2i + 1.
    const records = history.flatMap((good, i) => [{ key: CARD, value: json(good) }, ...(bad[i] ? [{ key: CARD, value: bad[i].value }] : [])])
    const rest = bad.slice(history.length).map((b) => ({ key: CARD, value: b.value }))
    const spike = tx({ amt: 900, unix_time: history.at(-1)!.unix_time + DAY })
    await input.pipeRecords([...records, ...rest, { key: CARD, value: json(spike) }])

    const expectedOffsets = bad.map((_b, i) => (i < history.length ? 2 * i + 1 : records.length + (i - history.length)))
    expectDeadLettered(driver.topicContents('dlq'), bad.map((b, i) => ({ ...b, offset: expectedOffsets[i], topic: 'transactions' })))
    const profile = driver.getKeyValueStore<string, UserProfile>('user-profiles').get(CARD)!
    expect(profile.count).toBe(history.length + 1)
    expect(nonFiniteFields(profile)).toEqual([])
    const alerts = driver.createOutputTopic('alerts', serdes.string(), fraudAlert).readKeyValuesToList().map((kv) => kv.value)
    expect(alerts.map((a) => [a.trans_num, a.amt])).toEqual([[spike.trans_num, 900]])
    expect(driver.metrics()).toMatchObject({ recordsSkipped: bad.length })
  })

  test('category-counts: bad transactions are dead-lettered and never counted', async () => {
    driver = await TopologyTestDriver.create(categoryCounts(), { backend: 'memory', deadLetterTopic: 'dlq' })
    const input = driver.createInputTopic('transactions', serdes.string(), serdes.bytes())
    const bad = badTransactions()
    const good = tx({ category: 'travel', unix_time: START })
    await input.pipeRecords([{ key: CARD, value: json(good) }, ...bad.map((b) => ({ key: CARD, value: b.value }))])
    expectDeadLettered(driver.topicContents('dlq'), bad.map((b, i) => ({ ...b, offset: i + 1, topic: 'transactions' })))
    const counts = driver.createOutputTopic('category-counts', serdes.windowed(serdes.string()), serdes.long()).readKeyValuesToList()
    expect(counts.map((kv: { key: Windowed<string>; value: number }) => [kv.key.key, kv.value])).toEqual([['travel', 1]])
  })

  test('a tombstone is skipped by both topologies: no output, no dead letter, no state change', async () => {
    for (const topology of [userAnomaly(), categoryCounts()]) {
      driver = await TopologyTestDriver.create(topology, { backend: 'memory', deadLetterTopic: 'dlq' })
      const input = driver.createInputTopic('transactions', serdes.string(), serdes.bytes())
      await input.pipeRecords([{ key: CARD, value: null, timestamp: START * 1000 }, { key: CARD, value: json(tx({ unix_time: START })) }])
      expect(driver.topicContents('dlq')).toEqual([])
      expect(driver.metrics()).toMatchObject({ recordsSkipped: 0 })
      const outputs = driver.topicContents(topology.applicationId === 'user-anomaly' ? 'alerts' : 'category-counts')
      if (topology.applicationId === 'user-anomaly') {
        expect(outputs).toEqual([])
        expect(driver.getKeyValueStore<string, UserProfile>('user-profiles').get(CARD)?.count).toBe(1)
      } else {
        expect(outputs.map((record) => serdes.long().deserialize('', record.value))).toEqual([1])
      }
      await driver.close()
      driver = undefined
    }
  })
})

describe('categories named like Object.prototype members', () => {
  test('are categories like any other: finite profiles, and a spike in one still alerts', async () => {
    const driver = await TopologyTestDriver.create(userAnomaly(), { backend: 'memory', deadLetterTopic: 'dlq' })
    try {
      const input = driver.createInputTopic('transactions', serdes.string(), transaction)
      const output = driver.createOutputTopic('alerts', serdes.string(), fraudAlert)
      const odd = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']
      const history = normalHistory(20).map((t, i) => ({ ...t, category: odd[i % odd.length] }))
      for (const t of history) await input.pipeInput(CARD, t, t.unix_time * 1000)
      const profile = driver.getKeyValueStore<string, UserProfile>('user-profiles').get(CARD)!
      expect(nonFiniteFields(profile)).toEqual([])
      expect(Object.keys(profile.categories).sort()).toEqual([...odd].sort())
      expect(profile.categories['constructor' as string].n).toBe(4)
      expect(output.readKeyValuesToList()).toEqual([])
      const spike = tx({ category: 'constructor', amt: 900, unix_time: history.at(-1)!.unix_time + DAY })
      await input.pipeInput(CARD, spike, spike.unix_time * 1000)
      expect(output.readKeyValuesToList().map((kv) => [kv.value.trans_num, kv.value.level])).toEqual([[spike.trans_num, 'HIGH']])
      expect(driver.topicContents('dlq')).toEqual([])
    } finally {
      await driver.close()
    }
  })
})

describe('a stored profile never holds a non-finite number', () => {
  test('nonFiniteFields finds NaN and Infinity anywhere in a profile', () => {
    expect(nonFiniteFields(emptyProfile())).toEqual([])
    const broken: UserProfile = { ...emptyProfile(), amount: { n: 1, mean: NaN, m2: 0 }, categories: { travel: { n: 1, mean: 0, m2: Infinity } }, usualLocation: { lat: 1, long: NaN, n: 1 } }
    expect(nonFiniteFields(broken)).toEqual(['amount.mean', 'categories["travel"].m2', 'usualLocation.long'])
  })

  test('behind a serde that does not validate, the processor refuses a transaction that would store NaN (dead-lettered, profile unchanged)', async () => {
    // The shipped processor behind an unvalidated JSON serde: the guard is the last line.
    const unchecked = defineTopology({ applicationId: 'unchecked-anomaly' }, (b) => {
      b.stream('transactions', { key: serdes.string(), value: serdes.json<Transaction>() })
        .process(() => new UserAnomalyProcessor('profiles', DEFAULT_SCORING), { stores: [Stores.keyValue('profiles', { key: serdes.string(), value: userProfile }), Stores.keyValue('card-sessions', { key: serdes.string(), value: cardSession })] })
        .to('alerts', { key: serdes.string(), value: fraudAlert })
    })
    const driver = await TopologyTestDriver.create(unchecked, { backend: 'memory', deadLetterTopic: 'dlq' })
    try {
      const input = driver.createInputTopic('transactions', serdes.string(), serdes.bytes())
      const history = normalHistory(10)
      const noMerchantLocation = withRaw(tx({ unix_time: START + 11 * DAY }), 'merch_lat', undefined)
      const noHome = withRaw(tx({ unix_time: START + 12 * DAY }), 'lat', undefined)
      await input.pipeRecords([...history.map((t) => ({ key: CARD, value: json(t) })), { key: CARD, value: noMerchantLocation }, { key: CARD, value: noHome }])
      const dead = driver.topicContents('dlq')
      expect(dead.map((record) => [record.headers[DEAD_LETTER_HEADERS.offset]?.toString(), record.headers[DEAD_LETTER_HEADERS.errorClass]?.toString()])).toEqual([
        ['10', 'ProcessingError'],
        ['11', 'ProcessingError'],
      ])
      expect(String(dead[0].headers[DEAD_LETTER_HEADERS.error])).toMatch(/offset 10: transaction \S+ of card \d+ gives non-finite numbers \(score, profile\.usualLocation\.lat\): not scored, the profile is left as it was/)
      expect(String(dead[1].headers[DEAD_LETTER_HEADERS.error])).toMatch(/offset 11: .* gives non-finite numbers \(score\)/)
      const profile = driver.getKeyValueStore<string, UserProfile>('profiles').get(CARD)!
      expect(profile.count).toBe(10)
      expect(nonFiniteFields(profile)).toEqual([])
    } finally {
      await driver.close()
    }
  })
})
