import { describe, expect, test } from 'vitest'
import { incompatibilities, SchemaCompatibilityError } from 'sluice/avro'
import { serdes } from 'sluice'
import { testSchemaUpgrade } from 'sluice/testing'
import { toAvroType } from '../../../src/serde/avro/avro-serde.js'
import { largestTransactions } from '../../../topologies/avro/largest-transactions.js'
import { avroTransaction, transactionSchema, type TransactionSchemaFile, type TransactionV2 } from '../../../topologies/avro/schemas.js'
import { registryGet, runName, tx } from './helpers.js'

function topics(applicationId: string) {
  return { applicationId, inputTopic: `${applicationId}-in`, outputTopic: `${applicationId}-largest`, countsTopic: `${applicationId}-counts` }
}

function version(schema: TransactionSchemaFile, names: ReturnType<typeof topics>) {
  return largestTransactions({ ...names, schema })
}

describe('schema evolution of the shipped Avro topology (largest transactions)', () => {
  test('v1 -> v2 adding merchant_country with a default: old topic data, changelog and store values read across a restart', async () => {
    const names = topics(runName('largest'))
    const store = 'largest-transaction-per-card'
    const changelog = `${names.applicationId}-${store}-changelog`
    const v1 = avroTransaction('transaction-v1.avsc')
    let v1ChangelogId: number | undefined
    const starts: string[] = []

    const result = await testSchemaUpgrade({
      before: version('transaction-v1.avsc', names),
      after: version('transaction-v2.avsc', names),
      processedBefore: async (driver) => {
        const input = driver.createInputTopic(names.inputTopic, serdes.string(), v1)
        await input.pipeRecords([
          { key: 'A', value: tx({ cc_num: 'A', trans_num: 'a1', amt: 50 }) },
          { key: 'A', value: tx({ cc_num: 'A', trans_num: 'a2', amt: 20, category: 'travel' }) },
          { key: 'B', value: tx({ cc_num: 'B', trans_num: 'b1', amt: 70 }) },
        ])
        await driver.commit()
        // The store's changelog (and so its LevelDB values) hold v1 bytes: schema id of version 1.
        const latest = await registryGet<{ id: number; version: number }>(`/subjects/${changelog}-value/versions/latest`)
        expect(latest?.version).toBe(1)
        v1ChangelogId = latest?.id
        const written = driver.topicContents(changelog)
        expect(written.length).toBe(2)
        for (const record of written) expect(record.value?.readUInt32BE(1)).toBe(v1ChangelogId)
      },
      pendingAtUpgrade: async (write) => {
        await write(names.inputTopic, serdes.string(), v1, [
          { key: 'A', value: tx({ cc_num: 'A', trans_num: 'a3', amt: 10 }) },
          { key: 'C', value: tx({ cc_num: 'C', trans_num: 'c1', amt: 5, category: 'travel' }) },
        ])
      },
      verify: async (driver, start) => {
        starts.push(start)
        const largest = driver.getKeyValueStore<string, TransactionV2>(store)
        // B was only ever written by v1: its stored bytes (restarted) or changelog record (restored) are v1.
        expect(largest.get('B'), start).toEqual({ ...tx({ cc_num: 'B', trans_num: 'b1', amt: 70 }), merchant_country: 'US' })
        // A's old largest (v1 bytes) beat the pending a3, read by v2.
        expect(largest.get('A'), start).toEqual({ ...tx({ cc_num: 'A', trans_num: 'a1', amt: 50 }), merchant_country: 'US' })
        // C came from old topic data only.
        expect(largest.get('C'), start).toEqual({ ...tx({ cc_num: 'C', trans_num: 'c1', amt: 5, category: 'travel' }), merchant_country: 'US' })
        const counts = driver.getKeyValueStore<string, number>('transactions-per-category')
        expect([counts.get('grocery_pos'), counts.get('travel')], start).toEqual([3, 2])
        // Output topics read synchronously: a registry serde first fetches the writers' schemas.
        const outputSerde = avroTransaction<TransactionV2>('transaction-v2.avsc')
        await outputSerde.prepare?.(names.outputTopic, driver.topicContents(names.outputTopic).map((record) => record.value))
        const output = driver.createOutputTopic(names.outputTopic, serdes.string(), outputSerde).readKeyValuesToList()
        expect(output.map(({ key, value }) => [key, value.trans_num, value.merchant_country]), start).toEqual([
          ['A', 'a1', 'US'],
          ['C', 'c1', 'US'],
        ])
      },
    })

    expect(starts).toEqual(['restarted', 'restored'])
    expect(result.changelogRecords.get(changelog)).toBe(2)
    expect(result.checks.map((check) => [check.subject, check.previousCount, check.problems])).toEqual(
      expect.arrayContaining([
        [`${names.inputTopic}-value`, 1, []],
        [`${changelog}-value`, 1, []],
        [`${names.applicationId}-transactions-by-category-repartition-value`, 1, []],
        [`${names.applicationId}-largest-transaction-per-category-changelog-value`, 1, []],
      ]),
    )
    // The upgraded stores wrote v2 under the changelog subject, after v1.
    expect(await registryGet<number[]>(`/subjects/${changelog}-value/versions`)).toEqual([1, 2])
  })

  test('v1 -> v2: stored values and changelog records written with v1 are read before any new input (a new process knows no schema)', async () => {
    const names = topics(runName('largest-idle'))
    const starts: string[] = []
    await testSchemaUpgrade({
      before: version('transaction-v1.avsc', names),
      after: version('transaction-v2.avsc', names),
      processedBefore: async (driver) => {
        await driver.createInputTopic(names.inputTopic, serdes.string(), avroTransaction('transaction-v1.avsc')).pipeInput('B', tx({ cc_num: 'B', trans_num: 'b1', amt: 70 }))
      },
      verify: async (driver, start) => {
        starts.push(start)
        const largest = driver.getKeyValueStore<string, TransactionV2>('largest-transaction-per-card')
        expect(largest.get('B'), start).toEqual({ ...tx({ cc_num: 'B', trans_num: 'b1', amt: 70 }), merchant_country: 'US' })
        const all: string[] = []
        for await (const { key, value } of largest.all()) all.push(`${key}:${value.trans_num}:${value.merchant_country}`)
        expect(all, start).toEqual(['B:b1:US'])
      },
    })
    expect(starts).toEqual(['restarted', 'restored'])
  })

  test('v1 -> v2 adding merchant_country WITHOUT a default is refused with the reason, before anything runs', async () => {
    const names = topics(runName('largest-breaking'))
    let ran = false
    const upgrade = testSchemaUpgrade({
      before: version('transaction-v1.avsc', names),
      after: version('transaction-v2-no-default.avsc', names),
      processedBefore: async () => {
        ran = true
      },
      verify: async () => {
        ran = true
      },
    })
    await expect(upgrade).rejects.toThrow(SchemaCompatibilityError)
    const error = (await upgrade.catch((caught: unknown) => caught)) as SchemaCompatibilityError
    const failing = error.checks.filter((check) => check.problems.length > 0).map((check) => check.subject)
    expect(failing.sort()).toEqual(
      [
        `${names.inputTopic}-value`,
        `${names.outputTopic}-value`,
        `${names.applicationId}-largest-transaction-per-card-changelog-value`,
        `${names.applicationId}-transactions-by-category-repartition-value`,
        `${names.applicationId}-largest-transaction-per-category-changelog-value`,
      ].sort(),
    )
    expect(error.message).toContain('field `merchant_country` added without a default: a reader on the new schema cannot read old records (the old topology)')
    expect(ran).toBe(false)
  })

  test('a type change is explained for both directions under FULL', () => {
    const v1 = toAvroType(transactionSchema('transaction-v1.avsc'))
    const fields = (JSON.parse(transactionSchema('transaction-v1.avsc')) as { fields: { name: string; type: string }[] }).fields
    const amountAsText = toAvroType({ type: 'record', name: 'sluice.fraud.Transaction', fields: fields.map((field) => (field.name === 'amt' ? { name: 'amt', type: 'string' } : field)) })
    expect(incompatibilities(amountAsText, [{ label: 'version 1', type: v1 }], 'FULL')).toEqual([
      'field `amt` changed type from double to string, which Avro cannot convert: a reader on the new schema cannot read old records (version 1)',
      'field `amt` changed type from double to string, which Avro cannot convert: a reader on the old schema (version 1) cannot read new records',
    ])
  })
})
