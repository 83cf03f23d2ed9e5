// `npm run conformance [-- case ...]`: each case's topology on Sluice and on Kafka Streams 4.4
// (Java, conformance/kafka-streams) over the same generated input topics on the local broker
// (SLUICE_BROKERS), each side writing its own output topic; then their final results compared
// record by record. What "final" means (see FinalResults in case.ts):
// - aggregations and tables (session and sliding counts, table-table joins): the last record per
//   key, a tombstone removing it. Both systems forward updates through caches flushed at each
//   commit, so the number of intermediate updates differs by timing; the last per key does not.
// - stream-stream joins: the multiset of (key, value, timestamp): each result is emitted once,
//   matched ones when the second record comes, unmatched ones (left and outer joins) once their
//   window has closed (Kafka Streams 3.1+ emits no spurious early ones).
// Input comes in phases (InputPhase): a phase is produced once both sides have committed every
// offset of the previous one, and a run ends when both have committed all input; then both stop
// and both output topics are read to their end (committed records only).
//
// A difference a case declares known (documented, with its reason) is shown and counted but
// fails the run only with --strict; any other difference, or a known one that no longer shows,
// fails it (exit code 1).
//
// Options: --strict; --seed N (default 1); --keep (leave the topics); --perturb NAME=VALUE (give
// the Sluice side another parameter value: the comparison must then fail); --drop-sluice-record
// (drop Sluice's first output record before comparing: likewise).
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { CaseNames, ConformanceCase, Difference } from './case.js'
import { CASES } from './cases.js'
import { decode, describeDifference, differences, finalResults, resultCount } from './compare.js'
import { BROKERS, createTopics, deleteTopics, lag, produce, readTopic } from './kafka.js'
import { buildKafkaStreams, KafkaStreamsCase } from './kafka-streams.js'
import { SluiceCase } from './sluice-app.js'

const PHASE_TIMEOUT_MS = 120_000

interface Outcome {
  name: string
  inputRecords: number
  sluice: number
  kafkaStreams: number
  unexpected: Difference[]
  known: { name: string; count: number }[]
  /** Known differences declared but not seen: the declaration is out of date. */
  stale: string[]
  seconds: number
  error?: string
}

async function waitUntilConsumed(groups: readonly string[], topics: readonly string[], failure: () => string | undefined): Promise<void> {
  const started = Date.now()
  for (;;) {
    const lags = await Promise.all(groups.map((group) => lag(group, topics)))
    if (lags.every((value) => value === 0)) return
    const error = failure()
    if (error) throw new Error(error)
    if (Date.now() - started > PHASE_TIMEOUT_MS) throw new Error(`not consumed after ${PHASE_TIMEOUT_MS / 1000} s: lag ${groups.map((group, i) => `${group} ${lags[i]}`).join(', ')}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

async function runCase(conformanceCase: ConformanceCase, options: { runId: string; seed: number; classpath: string; keep: boolean; perturb: Record<string, number>; dropSluiceRecord: boolean }): Promise<Outcome> {
  const started = process.hrtime.bigint()
  const prefix = `${options.runId}-${conformanceCase.name}`
  const inputs = Object.fromEntries(conformanceCase.inputs.map((input) => [input, `${prefix}-${input}`]))
  const sluiceNames: CaseNames = { applicationId: `${prefix}-sluice`, inputs, output: `${prefix}-sluice-out` }
  const ksNames: CaseNames = { applicationId: `${prefix}-ks`, inputs, output: `${prefix}-ks-out` }
  const phases = conformanceCase.generate(options.seed, conformanceCase.params)
  const inputRecords = phases.reduce((sum, phase) => sum + phase.length, 0)
  await createTopics([...Object.values(inputs), sluiceNames.output, ksNames.output], conformanceCase.partitions)

  const sluiceParams = { ...conformanceCase.params, ...options.perturb }
  const sluice = new SluiceCase(conformanceCase.topology(sluiceNames, sluiceParams), BROKERS, join(tmpdir(), `${sluiceNames.applicationId}-state`))
  const kafkaStreams = new KafkaStreamsCase(options.classpath, conformanceCase.name, BROKERS, ksNames, join(tmpdir(), `${ksNames.applicationId}-state`), conformanceCase.params)
  const failure = (): string | undefined => {
    if (sluice.error) return `sluice failed: ${sluice.error.message}`
    if (!kafkaStreams.running) return `kafka streams exited:\n${kafkaStreams.log}`
    return undefined
  }
  try {
    await sluice.start()
    for (const phase of phases) {
      await produce((input) => inputs[input], phase)
      await waitUntilConsumed([sluiceNames.applicationId, ksNames.applicationId], Object.values(inputs), failure)
    }
  } finally {
    await Promise.all([sluice.stop(), kafkaStreams.stop()])
  }

  const sluiceRecords = decode(conformanceCase, await readTopic(sluiceNames.output))
  if (options.dropSluiceRecord) sluiceRecords.shift()
  const ours = finalResults(conformanceCase, sluiceRecords)
  const theirs = finalResults(conformanceCase, decode(conformanceCase, await readTopic(ksNames.output)))
  const known = (conformanceCase.knownDifferences ?? []).map((difference) => ({ ...difference, count: 0 }))
  const unexpected: Difference[] = []
  for (const difference of differences(ours, theirs)) {
    const explained = known.find((candidate) => candidate.explains(difference))
    if (explained) explained.count++
    else unexpected.push(difference)
  }
  if (!options.keep) await deleteTopics(prefix)
  return {
    name: conformanceCase.name,
    inputRecords,
    sluice: resultCount(ours),
    kafkaStreams: resultCount(theirs),
    unexpected,
    known: known.filter((difference) => difference.count > 0).map(({ name, count }) => ({ name, count })),
    stale: known.filter((difference) => difference.count === 0).map(({ name }) => name),
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  }
}

function printTable(outcomes: readonly Outcome[], strict: boolean): void {
  const rows = outcomes.map((outcome) => {
    const matching = outcome.error ? 'ERROR' : outcome.unexpected.length > 0 ? 'NO' : outcome.known.length > 0 ? (strict ? 'NO (known)' : 'yes, but known') : 'yes'
    return [outcome.name, String(outcome.inputRecords), String(outcome.sluice), String(outcome.kafkaStreams), matching, String(outcome.unexpected.length), outcome.known.map((known) => `${known.count}`).join('+') || '0', `${outcome.seconds.toFixed(1)}`]
  })
  const header = ['case', 'input', 'sluice results', 'kafka-streams results', 'matching', 'differences', 'known', 's']
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)))
  const line = (cells: readonly string[]): string => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ')
  console.log(`\n${line(header)}\n${widths.map((width) => '-'.repeat(width)).join('  ')}`)
  for (const row of rows) console.log(line(row))
  for (const outcome of outcomes) {
    if (outcome.error) console.log(`\n${outcome.name}: ${outcome.error}`)
    if (outcome.unexpected.length > 0) {
      console.log(`\n${outcome.name}: ${outcome.unexpected.length} difference(s), the first ones:`)
      for (const difference of outcome.unexpected.slice(0, 8)) console.log(`  ${describeDifference(difference)}`)
    }
    for (const known of outcome.known) console.log(`\n${outcome.name}: known difference "${known.name}": ${known.count} result(s)`)
    for (const stale of outcome.stale) console.log(`\n${outcome.name}: known difference "${stale}" declared but not seen: it no longer holds (or the input no longer shows it)`)
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { strict: { type: 'boolean', default: false }, seed: { type: 'string', default: '1' }, keep: { type: 'boolean', default: false }, perturb: { type: 'string', multiple: true, default: [] }, 'drop-sluice-record': { type: 'boolean', default: false } },
  })
  const unknown = positionals.filter((name) => !CASES.some((candidate) => candidate.name === name))
  if (unknown.length > 0) throw new Error(`unknown case(s) ${unknown.join(', ')}; known: ${CASES.map((candidate) => candidate.name).join(', ')}`)
  const selected = positionals.length > 0 ? CASES.filter((candidate) => positionals.includes(candidate.name)) : CASES
  const perturb = Object.fromEntries(
    values.perturb.map((pair) => {
      const [name, value] = pair.split('=')
      if (!name || value === undefined || !Number.isFinite(Number(value))) throw new Error(`--perturb takes NAME=NUMBER, got ${pair}`)
      return [name, Number(value)]
    }),
  )
  const build = buildKafkaStreams()
  if (build.seconds > 0) console.log(`Maven build: ${build.seconds.toFixed(1)} s`)
  const runId = `conformance-${Date.now().toString(36)}`
  console.log(`${selected.length} case(s), seed ${values.seed}, broker ${BROKERS.join(',')}, run ${runId}`)
  const outcomes: Outcome[] = []
  for (const conformanceCase of selected) {
    process.stdout.write(`  ${conformanceCase.name} ...`)
    try {
      const outcome = await runCase(conformanceCase, { runId, seed: Number(values.seed), classpath: build.classpath, keep: values.keep, perturb, dropSluiceRecord: values['drop-sluice-record'] })
      outcomes.push(outcome)
      console.log(` ${outcome.seconds.toFixed(1)} s`)
    } catch (error) {
      outcomes.push({ name: conformanceCase.name, inputRecords: 0, sluice: 0, kafkaStreams: 0, unexpected: [], known: [], stale: [], seconds: 0, error: (error as Error).message })
      console.log(' error')
    }
  }
  printTable(outcomes, values.strict)
  const failed = outcomes.filter((outcome) => outcome.error || outcome.unexpected.length > 0 || outcome.stale.length > 0 || (values.strict && outcome.known.length > 0))
  if (failed.length > 0) {
    console.log(`\nconformance: ${failed.length} of ${outcomes.length} case(s) FAILED: ${failed.map((outcome) => outcome.name).join(', ')}`)
    process.exitCode = 1
  } else console.log(`\nconformance: all ${outcomes.length} case(s) match Kafka Streams`)
}

await main()
