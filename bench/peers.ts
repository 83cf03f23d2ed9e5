// `npm run bench -- peers`: the same jobs on Sluice, on Kafka Streams (Java, the same topology in
// its DSL or Processor API, bench/peers/kafka-streams/) and on Quix Streams (Python,
// bench/peers/quix/, installed from PyPI into a virtual environment; category counts only) over
// the same input topic, on the same broker, each in a process of its own, under the same
// guarantee and commit interval. Workloads (BENCH_WORKLOADS): `light`, the shipped category count
// over 3.5 days of history; `month`, the same over 30 days (hundreds of thousands of live
// windows); `profiles`, 100,000 card profiles in a key-value store, one read and one write per
// record. For each: seconds until every input offset is committed, records/s, CPU seconds, peak
// RSS, ratio to Sluice, and whether the final results equal a ground truth from the generated
// data. Then Sluice's restore of the profiles store from its changelog into a wiped state directory.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { retryRetriable } from '../src/runtime/kafka/retry-retriable.js'
import { BROKERS, ensureKafka, kafka, lag, prepareInput, RECORDS, runId } from './kafka.js'
import { centsOf, scoreTransaction, type Profile } from './peers/user-profiles-rule.js'
import { benchTransactions, LIGHT_HISTORY, type HistoryShape } from './transactions.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const KS_PROJECT = join(ROOT, 'bench/peers/kafka-streams')
const QUIX_PROJECT = join(ROOT, 'bench/peers/quix')
const QUIX_VERSION = '3.28.1'
const PARTITIONS = 6
const WINDOW_MS = 60_000
const GRACE_MS = 30 * 86_400_000
const CLOCK_TICKS = 100

type Guarantee = 'at_least_once' | 'exactly_once'

/** One job the peers run: its input's shape, each peer's program for it, and how its results are checked. */
interface Workload {
  readonly name: 'light' | 'month' | 'profiles'
  readonly shape: HistoryShape
  readonly about: string
  readonly sluiceTopology: string
  readonly kafkaStreamsClass: string
  /** Category counts only: the Quix Streams peer has no profiles job. */
  readonly quix: boolean
  /** The output as results to compare: the last count per window, or how often each alert came. */
  readonly results: (records: Iterable<[string, number, number]>) => Map<string, number>
  /** The results the generated input must give. */
  truth(): Map<string, number>
}

const lastPerWindow = (records: Iterable<[string, number, number]>): Map<string, number> => {
  const counts = new Map<string, number>()
  for (const [category, start, count] of records) counts.set(`${category}@${start}`, count)
  return counts
}

function windowCountsOf(shape: HistoryShape): Map<string, number> {
  const counts = new Map<string, number>()
  for (const { value } of benchTransactions(RECORDS, 42, shape)) {
    const key = `${value.category}@${Math.floor((value.unix_time * 1000) / WINDOW_MS) * WINDOW_MS}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return counts
}

const MONTH_HISTORY: HistoryShape = { users: 5000, meanStepSeconds: (30 * 86_400) / 1_000_000 }

const WORKLOADS: readonly Workload[] = [
  {
    name: 'light',
    shape: LIGHT_HISTORY,
    about: 'category count, 60 s windows over 3.5 days of history per 1M records',
    sluiceTopology: join(ROOT, 'bench/peers/sluice-category-counts.ts'),
    kafkaStreamsClass: 'dev.sluice.bench.CategoryCounts',
    quix: true,
    results: lastPerWindow,
    truth: () => windowCountsOf(LIGHT_HISTORY),
  },
  {
    name: 'month',
    // 30 days for the default 1M records: the mean step scales with BENCH_RECORDS to keep a month.
    shape: { users: MONTH_HISTORY.users, meanStepSeconds: (30 * 86_400) / RECORDS },
    about: 'category count, 60 s windows over a month of history (every window live: grace 30 days)',
    sluiceTopology: join(ROOT, 'bench/peers/sluice-category-counts.ts'),
    kafkaStreamsClass: 'dev.sluice.bench.CategoryCounts',
    quix: true,
    results: lastPerWindow,
    truth: () => windowCountsOf({ users: MONTH_HISTORY.users, meanStepSeconds: (30 * 86_400) / RECORDS }),
  },
  {
    name: 'profiles',
    shape: { users: 100_000, meanStepSeconds: LIGHT_HISTORY.meanStepSeconds },
    about: '100,000 card profiles in a key-value store, one read and one write per record, alerts out',
    sluiceTopology: join(ROOT, 'bench/peers/sluice-user-profiles.ts'),
    kafkaStreamsClass: 'dev.sluice.bench.UserProfiles',
    quix: false,
    // [card, 0, 0] per alert, with the transaction number as the card's place: count each alert.
    results: (records) => {
      const alerts = new Map<string, number>()
      for (const [transNum] of records) alerts.set(transNum, (alerts.get(transNum) ?? 0) + 1)
      return alerts
    },
    truth: () => {
      const profiles = new Map<string, Profile>()
      const alerts = new Map<string, number>()
      for (const { value } of benchTransactions(RECORDS, 42, { users: 100_000, meanStepSeconds: LIGHT_HISTORY.meanStepSeconds })) {
        const { alert, next } = scoreTransaction(profiles.get(value.cc_num), centsOf(value.amt))
        profiles.set(value.cc_num, next)
        if (alert) alerts.set(value.trans_num, 1)
      }
      return alerts
    },
  },
]
/** Equalized commit intervals (Sluice's defaults); Kafka Streams' own default for at-least-once is 30 s. */
const COMMIT_MS: Readonly<Record<Guarantee, number>> = { at_least_once: 1000, exactly_once: 100 }

interface Peer {
  readonly name: string
  /** Whether it has a program for the workload. */
  runs(workload: Workload): boolean
  /** An output record as [category, window start, count] (profiles: [transaction number, 0, 0]). */
  decode(workload: Workload, key: Buffer, value: Buffer): [string, number, number]
  /** The topics whose committed offsets say the peer is done: the input and its repartition topic. */
  doneTopics(workload: Workload, input: string, applicationId: string): Promise<string[]>
  start(workload: Workload, app: Names, input: string, guarantee: Guarantee, commitMs: number | 'default'): ChildProcess
}

interface Names {
  applicationId: string
  output: string
  stateDir: string
}

/**
 * Category counts: Sluice writes the category then the window's start and end (8 bytes each),
 * Kafka Streams the category then the start; counts are 8-byte longs. Profiles: the alert's
 * value is the transaction number.
 */
function windowedKey(windowBytes: 16 | 8): Peer['decode'] {
  return (workload, key, value) =>
    workload.name === 'profiles' ? [value.toString('utf8'), 0, 0] : [key.subarray(0, key.length - windowBytes).toString('utf8'), Number(key.readBigInt64BE(key.length - windowBytes)), Number(value.readBigInt64BE(0))]
}

/** Sluice and Kafka Streams name the repartition topic alike: <applicationId>-<name>-repartition (profiles have none). */
function namedRepartition(workload: Workload, input: string, applicationId: string): Promise<string[]> {
  return Promise.resolve(workload.name === 'profiles' ? [input] : [input, `${applicationId}-transactions-by-category-repartition`])
}

/** Quix names it repartition__<group>--<input>--<name>, created when it starts. */
async function quixRepartition(_workload: Workload, input: string, applicationId: string): Promise<string[]> {
  const admin = kafka.admin()
  await admin.connect()
  const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`repartition__${applicationId}--`))
  await admin.disconnect()
  // Not created yet: a topic that does not exist counts as not consumed.
  return [input, ...(topics.length > 0 ? topics : [`repartition__${applicationId}--not-yet`])]
}

/** Builds the Kafka Streams project once (target/ is the cache): Maven, from Maven Central. */
function buildKafkaStreams(): string {
  const classes = ['CategoryCounts', 'UserProfiles', 'PeerRunner'].map((name) => join(KS_PROJECT, `target/classes/dev/sluice/bench/${name}.class`))
  if (!classes.every((file) => existsSync(file)) || !existsSync(join(KS_PROJECT, 'target/libs'))) {
    console.log('  building the Kafka Streams peer with Maven (once)')
    execFileSync('mvn', ['-B', '-q', '-f', join(KS_PROJECT, 'pom.xml'), 'package', 'dependency:copy-dependencies', '-DoutputDirectory=target/libs', '-DincludeScope=runtime'], { stdio: 'inherit' })
  }
  return `${join(KS_PROJECT, 'target/classes')}:${join(KS_PROJECT, 'target/libs/*')}`
}

/** A virtual environment with Quix Streams from PyPI, made once (bench/peers/quix/.venv, the cache). */
function quixPython(): string {
  const python = join(QUIX_PROJECT, '.venv/bin/python')
  if (!existsSync(python)) {
    console.log(`  installing Quix Streams ${QUIX_VERSION} into a virtual environment (once)`)
    execFileSync('python3', ['-m', 'venv', join(QUIX_PROJECT, '.venv')], { stdio: 'inherit' })
    execFileSync(join(QUIX_PROJECT, '.venv/bin/pip'), ['install', '-q', `quixstreams==${QUIX_VERSION}`], { stdio: 'inherit' })
  }
  return python
}

/** The peers named (BENCH_PEERS), each built or installed on first use. */
function peers(names: readonly string[]): Peer[] {
  const makers: { [name: string]: () => Peer } = {
    sluice: () => ({
      name: 'sluice',
      runs: () => true,
      decode: windowedKey(16),
      doneTopics: namedRepartition,
      start: (workload, app, input, guarantee, commitMs) => sluiceProcess(workload, app, input, guarantee, commitMs, 'inherit'),
    }),
    'kafka-streams': () => {
      const classpath = buildKafkaStreams()
      return {
        name: 'kafka-streams',
        runs: () => true,
        decode: windowedKey(8),
        doneTopics: namedRepartition,
        start: (workload, app, input, guarantee, commitMs) =>
          spawn('java', ['-Xmx1g', '-cp', classpath, workload.kafkaStreamsClass, BROKERS.join(','), app.applicationId, input, app.output, app.stateDir, guarantee === 'exactly_once' ? 'exactly_once_v2' : 'at_least_once', String(commitMs), String(GRACE_MS)], {
            stdio: ['ignore', 'ignore', 'inherit'],
          }),
      }
    },
    'quix-streams': () => {
      const python = quixPython()
      return {
        name: 'quix-streams',
        runs: (workload) => workload.quix,
        // Key: the category; value: {"start", "end", "value"}.
        decode: (_workload, key, value) => {
          const window = JSON.parse(value.toString('utf8')) as { start: number; value: number }
          return [key.toString('utf8'), window.start, window.value]
        },
        doneTopics: quixRepartition,
        start: (_workload, app, input, guarantee, commitMs) =>
          spawn(python, [join(QUIX_PROJECT, 'category_counts.py'), BROKERS.join(','), app.applicationId, input, app.output, app.stateDir, guarantee === 'exactly_once' ? 'exactly-once' : 'at-least-once', String((commitMs === 'default' ? 5000 : commitMs) / 1000), String(GRACE_MS)], {
            stdio: ['ignore', 'ignore', 'inherit'],
          }),
      }
    },
  }
  return names.map((name) => {
    const make = makers[name]
    if (!make) throw new Error(`unknown peer "${name}" (known: ${Object.keys(makers).join(', ')})`)
    return make()
  })
}

/** `sluice run` of the workload's topology; its log goes to the bench's stderr or is piped for reading. */
function sluiceProcess(workload: Workload, app: Names, input: string, guarantee: Guarantee, commitMs: number | 'default', log: 'inherit' | 'pipe'): ChildProcess {
  const args = [join(ROOT, 'bin/sluice.js'), 'run', workload.sluiceTopology, '--guarantee', guarantee, '--state-dir', app.stateDir, '--offset-reset', 'earliest', ...(commitMs === 'default' ? [] : ['--commit-interval', String(commitMs)])]
  return spawn(process.execPath, args, {
    env: { ...process.env, SLUICE_BROKERS: BROKERS.join(','), PEER_APPLICATION_ID: app.applicationId, PEER_INPUT_TOPIC: input, PEER_OUTPUT_TOPIC: app.output },
    stdio: ['ignore', 'ignore', log],
  })
}

/** CPU seconds (user + system) and peak RSS (MB) of a running process, from /proc. */
function usage(pid: number): { cpuSeconds: number; peakRssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return { cpuSeconds, peakRssMb: Number(hwm?.[1] ?? 0) / 1024 }
}

/** A peer's results from its output topic (committed records only), as the workload compares them. */
async function finalResults(topic: string, workload: Workload, decode: Peer['decode']): Promise<Map<string, number>> {
  const admin = kafka.admin()
  await admin.connect()
  const ends = await admin.fetchTopicOffsets(topic)
  await admin.disconnect()
  const remaining = new Map(ends.filter((end) => Number(end.high) > 0).map((end) => [end.partition, BigInt(end.high)]))
  const records: [string, number, number][] = []
  const consumer = kafka.consumer({ groupId: `${topic}-verify`, readUncommitted: false, maxWaitTimeInMs: 200 })
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const end = remaining.get(payload.partition)
    if (end !== undefined && BigInt(payload.lastOffset) + 1n >= end) remaining.delete(payload.partition)
  })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        if (!message.key || !message.value) continue
        records.push(decode(workload, message.key, message.value))
      }
    },
  })
  while (remaining.size > 0) await new Promise((resolve) => setTimeout(resolve, 100))
  await consumer.disconnect()
  return workload.results(records)
}

interface Measurement {
  workload: string
  peer: string
  guarantee: Guarantee
  commit: string
  seconds: number
  cpuSeconds: number
  peakRssMb: number
  exact: boolean
}

async function measure(workload: Workload, peer: Peer, input: string, guarantee: Guarantee, commitMs: number | 'default', truth: Map<string, number>, round: number): Promise<Measurement> {
  const applicationId = `${runId}-${workload.name}-${peer.name}-${guarantee === 'exactly_once' ? 'eos' : 'alos'}-${commitMs}-${round}`
  const names: Names = { applicationId, output: `${applicationId}-out`, stateDir: join(tmpdir(), `${applicationId}-state`) }
  const admin = kafka.admin()
  await admin.connect()
  await retryRetriable(`creating ${names.output}`, () => admin.createTopics({ topics: [{ topic: names.output, numPartitions: PARTITIONS, configEntries: [{ name: 'retention.ms', value: '-1' }] }], waitForLeaders: true }), () => {})
  await admin.disconnect()
  const started = process.hrtime.bigint()
  const child = peer.start(workload, names, input, guarantee, commitMs)
  let exited: number | null | undefined
  child.on('exit', (code) => (exited = code))
  let last = { cpuSeconds: 0, peakRssMb: 0 }
  while ((await lag(applicationId, await peer.doneTopics(workload, input, applicationId))) > 0) {
    if (exited !== undefined) throw new Error(`${peer.name} exited with ${exited} before consuming everything`)
    last = usage(child.pid as number)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  last = usage(child.pid as number)
  child.kill('SIGTERM')
  // A peer that does not stop on SIGTERM within 30 s is killed (its results are committed already).
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  await new Promise((resolve) => (exited !== undefined ? resolve(undefined) : child.once('exit', resolve)))
  clearTimeout(killer)
  await rm(names.stateDir, { recursive: true, force: true })
  const results = await finalResults(names.output, workload, peer.decode)
  const exact = results.size === truth.size && [...truth].every(([key, value]) => results.get(key) === value)
  return { workload: workload.name, peer: peer.name, guarantee, commit: commitMs === 'default' ? 'default' : `${commitMs} ms`, seconds, ...last, exact }
}

/**
 * Sluice's restore of a workload's stores into a wiped state directory, after a finished run of
 * the same application: from its log's "restoring ... N records" to "restored". Records per
 * second of changelog replayed.
 */
async function measureRestore(workload: Workload, input: string): Promise<{ records: number; seconds: number } | undefined> {
  const applicationId = `${runId}-${workload.name}-restore`
  const names: Names = { applicationId, output: `${applicationId}-out`, stateDir: join(tmpdir(), `${applicationId}-state`) }
  const admin = kafka.admin()
  await admin.connect()
  await retryRetriable(`creating ${names.output}`, () => admin.createTopics({ topics: [{ topic: names.output, numPartitions: PARTITIONS }], waitForLeaders: true }), () => {})
  await admin.disconnect()
  // First the whole input, which fills the changelog; then, state wiped, the restore alone.
  const first = sluiceProcess(workload, names, input, 'at_least_once', COMMIT_MS.at_least_once, 'inherit')
  while ((await lag(applicationId, [input])) > 0) await new Promise((resolve) => setTimeout(resolve, 200))
  await stop(first)
  await rm(names.stateDir, { recursive: true, force: true })
  const second = sluiceProcess(workload, names, input, 'at_least_once', COMMIT_MS.at_least_once, 'pipe')
  let began: bigint | undefined
  let total = 0
  let result: { records: number; seconds: number } | undefined
  const lines = createInterface({ input: second.stderr as NodeJS.ReadableStream })
  for await (const line of lines) {
    const restoring = /restoring \d+ store partition\(s\) from changelogs: (\d+) records/.exec(line)
    if (restoring) {
      began = process.hrtime.bigint()
      total = Number(restoring[1])
    }
    const restored = /restored (\d+) records/.exec(line)
    if (restored && began !== undefined) {
      result = { records: Math.max(total, Number(restored[1])), seconds: Number(process.hrtime.bigint() - began) / 1e9 }
      break
    }
  }
  lines.close()
  await stop(second)
  await rm(names.stateDir, { recursive: true, force: true })
  return result
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  await exited
  clearTimeout(killer)
}

export async function run(): Promise<void> {
  await ensureKafka()
  const guarantees = (process.env.BENCH_GUARANTEES ?? 'at_least_once,exactly_once').split(',') as Guarantee[]
  const rounds = Number(process.env.BENCH_ROUNDS ?? 1)
  const chosen = (process.env.BENCH_WORKLOADS ?? 'light,month,profiles').split(',')
  const workloads = chosen.map((name) => {
    const workload = WORKLOADS.find((candidate) => candidate.name === name)
    if (!workload) throw new Error(`unknown workload "${name}" (known: ${WORKLOADS.map((candidate) => candidate.name).join(', ')})`)
    return workload
  })
  const all = peers((process.env.BENCH_PEERS ?? 'sluice,kafka-streams,quix-streams').split(','))
  let failed = false
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN
  for (const workload of workloads) {
    const input = `${runId}-${workload.name}-transactions`
    await prepareInput(input, workload.shape)
    const truth = workload.truth()
    const running = all.filter((peer) => peer.runs(workload))
    console.log(`${workload.name}: ${workload.about}; ${RECORDS} records on a ${PARTITIONS}-partition topic, ${truth.size} ${workload.name === 'profiles' ? 'alerts' : 'windows'}; ${rounds} round(s), interleaved`)
    const results: Measurement[] = []
    for (let round = 0; round < rounds; round++) {
      for (const guarantee of guarantees) {
        for (const peer of running) {
          const result = await measure(workload, peer, input, guarantee, COMMIT_MS[guarantee], truth, round)
          results.push(result)
          failed ||= !result.exact
        }
      }
    }
    for (const guarantee of guarantees) {
      const of = (peer: string) => results.filter((result) => result.peer === peer && result.guarantee === guarantee)
      const sluiceRate = RECORDS / median(of('sluice').map((result) => result.seconds))
      for (const peer of running) {
        const runs = of(peer.name)
        const rate = RECORDS / median(runs.map((result) => result.seconds))
        console.log(
          `  ${workload.name.padEnd(8)} ${guarantee.padEnd(13)} ${peer.name.padEnd(14)} commit ${runs[0]?.commit.padEnd(7)} ${Math.round(rate).toString().padStart(7)} records/s  ` +
            `${median(runs.map((result) => result.seconds)).toFixed(1)} s  CPU ${median(runs.map((result) => result.cpuSeconds)).toFixed(1)} s  ` +
            `peak RSS ${Math.round(median(runs.map((result) => result.peakRssMb)))} MB  ratio to sluice ${(rate / sluiceRate).toFixed(2)}  ${workload.name === 'profiles' ? 'alerts' : 'counts'} ${runs.every((result) => result.exact) ? 'exact' : 'WRONG'}`,
        )
      }
    }
    if (workload.name === 'profiles' && process.env.BENCH_RESTORE !== '0') {
      const restore = await measureRestore(workload, input)
      if (restore) console.log(`  profiles restore: sluice replayed ${restore.records} changelog records into a wiped state directory in ${restore.seconds.toFixed(1)} s: ${Math.round(restore.records / restore.seconds)} records/s (target >= 200000)`)
      else console.log('  profiles restore: sluice logged no restore')
    }
  }
  if (failed) throw new Error('a peer got a result wrong (see "WRONG" above)')
}
