import { serdes, type BackendKind } from 'sluice'
import { TopologyTestDriver } from 'sluice/testing'
import { categoryCounts } from '../topologies/category-counts.js'
import { transaction } from '../topologies/schemas.js'
import { benchTransactions } from './transactions.js'

const RECORDS = Number(process.env.BENCH_RECORDS ?? 100_000)
const BATCH = 1000

/** Records per second of the category count in the in-process driver on one backend. */
async function measure(backend: BackendKind): Promise<number> {
  const records = [...benchTransactions(RECORDS)]
  const driver = await TopologyTestDriver.create(categoryCounts(), { backend })
  const input = driver.createInputTopic('transactions', serdes.string(), transaction)
  const output = driver.createOutputTopic('category-counts', serdes.windowed(serdes.string()), serdes.long())
  const started = process.hrtime.bigint()
  for (let i = 0; i < records.length; i += BATCH) {
    await input.pipeRecords(records.slice(i, i + BATCH))
    output.readRecordsToList()
  }
  await driver.commit()
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  await driver.close()
  return RECORDS / seconds
}

export async function run(): Promise<void> {
  console.log(`category count over ${RECORDS} records in the test driver`)
  await measure('memory') // warm-up: JIT and module loading
  const memory = await measure('memory')
  const leveldb = await measure('leveldb')
  const rocksdb = await measure('rocksdb').catch(() => undefined)
  console.log(`  memory   ${Math.round(memory)} records/s`)
  console.log(`  leveldb  ${Math.round(leveldb)} records/s   ratio leveldb/memory ${(leveldb / memory).toFixed(2)} (target >= 0.50)`)
  if (rocksdb !== undefined) console.log(`  rocksdb  ${Math.round(rocksdb)} records/s   ratio rocksdb/memory ${(rocksdb / memory).toFixed(2)}`)
}
