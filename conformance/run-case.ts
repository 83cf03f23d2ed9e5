// Runs one case on both sides and compares their final results (see run.ts for what "final" means).
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CaseNames, ConformanceCase, Difference, InputPhase, OutputRecord } from './case.js'
import { decode, differences, finalResults, resultCount } from './compare.js'
import { BROKERS, createTopics, deleteAll, internalTopicsOf, lag, produce, readTopic } from './kafka.js'
import { KafkaStreamsCase } from './kafka-streams.js'
import { SluiceCase } from './sluice-app.js'

const PHASE_TIMEOUT_MS = 120_000

export interface Outcome {
  name: string
  inputRecords: number
  sluice: number
  kafkaStreams: number
  /** Records Sluice dropped as late (its metric), to set beside the input's late records. */
  sluiceLateDropped: number
  unexpected: Difference[]
  known: { name: string; reason: string; count: number }[]
  /** Known differences declared but not seen: the declaration is out of date. */
  stale: string[]
  seconds: number
  error?: string
}

/**
 * Waits until every group has committed everything on the inputs and on its own internal topics
 * (a foreign-key join's subscription and response topics: records go round through them after
 * the input is consumed). Twice in a row, a moment apart: a topic found consumed may get records
 * from another one checked after it.
 */
async function waitUntilConsumed(groups: readonly string[], topics: readonly string[], outputs: readonly string[], failure: () => string | undefined): Promise<void> {
  const started = Date.now()
  let quiet = 0
  for (;;) {
    const lags = await Promise.all(groups.map(async (group) => lag(group, [...topics, ...(await internalTopicsOf(group, outputs))])))
    quiet = lags.every((value) => value === 0) ? quiet + 1 : 0
    if (quiet >= 2) return
    const error = failure()
    if (error) throw new Error(error)
    if (Date.now() - started > PHASE_TIMEOUT_MS) throw new Error(`not consumed after ${PHASE_TIMEOUT_MS / 1000} s: lag ${groups.map((group, i) => `${group} ${lags[i]}`).join(', ')}`)
    await new Promise((resolve) => setTimeout(resolve, quiet > 0 ? 500 : 200))
  }
}

export interface RunOptions {
  runId: string
  seed: number
  classpath: string
  /** Leave the case's topics on the broker. */
  keep: boolean
  /** Parameters the Sluice side gets instead of the case's (a check that the comparison can fail). */
  perturb: Readonly<Record<string, number>>
  /** Alters Sluice's last output record before comparing (likewise). */
  tamperSluice: boolean
  /** Runs Kafka Streams with its record cache (off by default: see Main.java). */
  ksRecordCache?: boolean
}

/** The last record read is final for its key (or a copy in a multiset): another value, or a row instead of a tombstone, must show. */
function tamper(records: OutputRecord[]): void {
  const last = records.pop()
  if (last) records.push({ ...last, value: `${last.value ?? ''}tampered` })
}

export async function runCase(conformanceCase: ConformanceCase, options: RunOptions): Promise<Outcome> {
  const started = process.hrtime.bigint()
  const prefix = `${options.runId}-${conformanceCase.name}`
  const inputs = Object.fromEntries(conformanceCase.inputs.map((input) => [input, `${prefix}-${input}`]))
  const sluiceNames: CaseNames = { applicationId: `${prefix}-sluice`, inputs, output: `${prefix}-sluice-out` }
  const ksNames: CaseNames = { applicationId: `${prefix}-ks`, inputs, output: `${prefix}-ks-out` }
  const phases = conformanceCase.generate(options.seed, conformanceCase.params)
  const inputRecords = phases.reduce((sum, phase) => sum + phase.length, 0)
  try {
    for (const input of conformanceCase.inputs) await createTopics([inputs[input]], conformanceCase.inputPartitions?.[input] ?? conformanceCase.partitions)
    await createTopics([sluiceNames.output, ksNames.output], conformanceCase.partitions)
    return { name: conformanceCase.name, inputRecords, ...(await runOnBoth(conformanceCase, phases, sluiceNames, ksNames, options)), seconds: Number(process.hrtime.bigint() - started) / 1e9 }
  } finally {
    // The case's topics, the applications' internal ones included (their names start with the application ids), and its groups.
    if (!options.keep) await deleteAll(prefix)
  }
}

async function runOnBoth(conformanceCase: ConformanceCase, phases: readonly InputPhase[], sluiceNames: CaseNames, ksNames: CaseNames, options: RunOptions): Promise<Omit<Outcome, 'name' | 'inputRecords' | 'seconds'>> {
  const { inputs } = sluiceNames
  const preload = conformanceCase.preloadPhases ?? 0
  // Before either application exists: both bootstrap these (a global table) before processing.
  for (const phase of phases.slice(0, preload)) await produce((input) => inputs[input], phase)
  const consumedTopics = Object.entries(inputs).filter(([input]) => !(conformanceCase.globalInputs ?? []).includes(input)).map(([, topic]) => topic)
  const ksStateDir = join(tmpdir(), `${ksNames.applicationId}-state`)
  const sluiceParams = { ...conformanceCase.params, ...options.perturb }
  const sluice = new SluiceCase(conformanceCase.topology(sluiceNames, sluiceParams), BROKERS, join(tmpdir(), `${sluiceNames.applicationId}-state`))
  const kafkaStreams = new KafkaStreamsCase(options.classpath, conformanceCase.name, BROKERS, ksNames, ksStateDir, conformanceCase.params, options.ksRecordCache)
  const failure = (): string | undefined => {
    if (sluice.error) return `sluice failed: ${sluice.error.message}`
    if (!kafkaStreams.running) return `kafka streams exited:\n${kafkaStreams.log}`
    return undefined
  }
  let sluiceLateDropped = 0
  try {
    await sluice.start()
    for (const phase of phases.slice(preload)) {
      await produce((input) => inputs[input], phase)
      await waitUntilConsumed([sluiceNames.applicationId, ksNames.applicationId], consumedTopics, [sluiceNames.output, ksNames.output], failure)
    }
    sluiceLateDropped = sluice.lateRecordsDropped
  } finally {
    await Promise.all([sluice.stop(), kafkaStreams.stop()])
    await rm(ksStateDir, { recursive: true, force: true })
  }

  const sluiceRecords = decode(conformanceCase, await readTopic(sluiceNames.output))
  if (options.tamperSluice) tamper(sluiceRecords)
  const ours = finalResults(conformanceCase, sluiceRecords)
  const theirs = finalResults(conformanceCase, decode(conformanceCase, await readTopic(ksNames.output)))
  const known = (conformanceCase.knownDifferences ?? []).map((difference) => ({ ...difference, count: 0 }))
  const unexpected: Difference[] = []
  for (const difference of differences(ours, theirs)) {
    const explained = known.find((candidate) => candidate.explains(difference, phases, conformanceCase.params))
    if (explained) explained.count++
    else unexpected.push(difference)
  }
  return {
    sluiceLateDropped,
    sluice: resultCount(ours),
    kafkaStreams: resultCount(theirs),
    unexpected,
    known: known.filter((difference) => difference.count > 0).map(({ name, reason, count }) => ({ name, reason, count })),
    stale: known.filter((difference) => difference.count === 0).map(({ name }) => name),
  }
}

/** A case fails on an error, a difference no known one explains, a known difference no longer seen, and (strict) any known one. */
export function failed(outcome: Outcome, strict: boolean): boolean {
  return outcome.error !== undefined || outcome.unexpected.length > 0 || outcome.stale.length > 0 || (strict && outcome.known.length > 0)
}
