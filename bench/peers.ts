// `npm run bench -- peers`: the shipped category count on Sluice, on Kafka Streams (Java, the
// same topology in its DSL, bench/peers/kafka-streams/) and on Quix Streams (Python,
// bench/peers/quix/, installed from PyPI into a virtual environment) over the same input topic, on the same
// broker, each in a process of its own, under the same guarantee and commit interval. For each:
// seconds until every input offset is committed, records/s, CPU seconds, peak RSS, ratio to
// Sluice, and whether every final window count equals the ground truth from the generated data.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { retryRetriable } from '../src/runtime/kafka/retry-retriable.js'
import { BROKERS, ensureKafka, kafka, lag, prepareInput, RECORDS, runId } from './kafka.js'
import { benchTransactions } from './transactions.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const KS_PROJECT = join(ROOT, 'bench/peers/kafka-streams')
const SLUICE_TOPOLOGY = join(ROOT, 'bench/peers/sluice-category-counts.ts')
const QUIX_PROJECT = join(ROOT, 'bench/peers/quix')
const QUIX_VERSION = '3.28.1'
const PARTITIONS = 6
const WINDOW_MS = 60_000
const GRACE_MS = 30 * 86_400_000
const CLOCK_TICKS = 100

type Guarantee = 'at_least_once' | 'exactly_once'
/** Equalized commit intervals (Sluice's defaults); Kafka Streams' own default for at-least-once is 30 s. */
const COMMIT_MS: Readonly<Record<Guarantee, number>> = { at_least_once: 1000, exactly_once: 100 }

interface Peer {
  readonly name: string
  /** An output record as [category, window start, count]. */
  decode(key: Buffer, value: Buffer): [string, number, number]
  /** The topics whose committed offsets say the peer is done: the input and its repartition topic. */
  doneTopics(input: string, applicationId: string): Promise<string[]>
  start(app: Names, guarantee: Guarantee, commitMs: number | 'default'): ChildProcess
}

interface Names {
  applicationId: string
  output: string
  stateDir: string
}

/** Sluice writes the category then the window's start and end (8 bytes each), Kafka Streams the category then the start; counts are 8-byte longs. */
function windowedKey(windowBytes: 16 | 8): Peer['decode'] {
  return (key, value) => [key.subarray(0, key.length - windowBytes).toString('utf8'), Number(key.readBigInt64BE(key.length - windowBytes)), Number(value.readBigInt64BE(0))]
}

/** Sluice and Kafka Streams name the repartition topic alike: <applicationId>-<name>-repartition. */
function namedRepartition(input: string, applicationId: string): Promise<string[]> {
  return Promise.resolve([input, `${applicationId}-transactions-by-category-repartition`])
}

/** Quix names it repartition__<group>--<input>--<name>, created when it starts. */
async function quixRepartition(input: string, applicationId: string): Promise<string[]> {
  const admin = kafka.admin()
  await admin.connect()
  const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`repartition__${applicationId}--`))
  await admin.disconnect()
  // Not created yet: a topic that does not exist counts as not consumed.
  return [input, ...(topics.length > 0 ? topics : [`repartition__${applicationId}--not-yet`])]
}

/** Builds the Kafka Streams project once (target/ is the cache): Maven, from Maven Central. */
function buildKafkaStreams(): string {
  const classes = join(KS_PROJECT, 'target/classes/dev/sluice/bench/CategoryCounts.class')
  if (!existsSync(classes) || !existsSync(join(KS_PROJECT, 'target/libs'))) {
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
function peers(input: string, names: readonly string[]): Peer[] {
  const makers: { [name: string]: () => Peer } = {
    sluice: () => ({
      name: 'sluice',
      decode: windowedKey(16),
      doneTopics: namedRepartition,
      start: (app, guarantee, commitMs) =>
        spawn(process.execPath, [join(ROOT, 'bin/sluice.js'), 'run', SLUICE_TOPOLOGY, '--guarantee', guarantee, '--state-dir', app.stateDir, '--offset-reset', 'earliest', ...(commitMs === 'default' ? [] : ['--commit-interval', String(commitMs)])], {
          env: { ...process.env, SLUICE_BROKERS: BROKERS.join(','), PEER_APPLICATION_ID: app.applicationId, PEER_INPUT_TOPIC: input, PEER_OUTPUT_TOPIC: app.output },
          stdio: ['ignore', 'ignore', 'inherit'],
        }),
    }),
    'kafka-streams': () => {
      const classpath = buildKafkaStreams()
      return {
        name: 'kafka-streams',
        decode: windowedKey(8),
        doneTopics: namedRepartition,
        start: (app, guarantee, commitMs) =>
          spawn('java', ['-Xmx1g', '-cp', classpath, 'dev.sluice.bench.CategoryCounts', BROKERS.join(','), app.applicationId, input, app.output, app.stateDir, guarantee === 'exactly_once' ? 'exactly_once_v2' : 'at_least_once', String(commitMs), String(GRACE_MS)], {
            stdio: ['ignore', 'ignore', 'inherit'],
          }),
      }
    },
    'quix-streams': () => {
      const python = quixPython()
      return {
        name: 'quix-streams',
        // Key: the category; value: {"start", "end", "value"}.
        decode: (key, value) => {
          const window = JSON.parse(value.toString('utf8')) as { start: number; value: number }
          return [key.toString('utf8'), window.start, window.value]
        },
        doneTopics: quixRepartition,
        start: (app, guarantee, commitMs) =>
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

/** CPU seconds (user + system) and peak RSS (MB) of a running process, from /proc. */
function usage(pid: number): { cpuSeconds: number; peakRssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return { cpuSeconds, peakRssMb: Number(hwm?.[1] ?? 0) / 1024 }
}

/** The final count per `category@windowStart` in an output topic (its last record per key, committed records only). */
async function finalCounts(topic: string, decode: Peer['decode']): Promise<Map<string, number>> {
  const admin = kafka.admin()
  await admin.connect()
  const ends = await admin.fetchTopicOffsets(topic)
  await admin.disconnect()
  const remaining = new Map(ends.filter((end) => Number(end.high) > 0).map((end) => [end.partition, BigInt(end.high)]))
  const counts = new Map<string, number>()
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
        const [category, start, count] = decode(message.key, message.value)
        counts.set(`${category}@${start}`, count)
      }
    },
  })
  while (remaining.size > 0) await new Promise((resolve) => setTimeout(resolve, 100))
  await consumer.disconnect()
  return counts
}

function groundTruth(): Map<string, number> {
  const counts = new Map<string, number>()
  for (const { value } of benchTransactions(RECORDS)) {
    const key = `${value.category}@${Math.floor((value.unix_time * 1000) / WINDOW_MS) * WINDOW_MS}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return counts
}

interface Measurement {
  peer: string
  guarantee: Guarantee
  commit: string
  seconds: number
  cpuSeconds: number
  peakRssMb: number
  exact: boolean
}

async function measure(peer: Peer, input: string, guarantee: Guarantee, commitMs: number | 'default', truth: Map<string, number>): Promise<Measurement> {
  const applicationId = `${runId}-${peer.name}-${guarantee === 'exactly_once' ? 'eos' : 'alos'}-${commitMs}`
  const names: Names = { applicationId, output: `${applicationId}-out`, stateDir: join(tmpdir(), `${applicationId}-state`) }
  const admin = kafka.admin()
  await admin.connect()
  await retryRetriable(`creating ${names.output}`, () => admin.createTopics({ topics: [{ topic: names.output, numPartitions: PARTITIONS, configEntries: [{ name: 'retention.ms', value: '-1' }] }], waitForLeaders: true }), () => {})
  await admin.disconnect()
  const started = process.hrtime.bigint()
  const child = peer.start(names, guarantee, commitMs)
  let exited: number | null | undefined
  child.on('exit', (code) => (exited = code))
  let last = { cpuSeconds: 0, peakRssMb: 0 }
  while ((await lag(applicationId, await peer.doneTopics(input, applicationId))) > 0) {
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
  const counts = await finalCounts(names.output, peer.decode)
  const exact = counts.size === truth.size && [...truth].every(([window, count]) => counts.get(window) === count)
  return { peer: peer.name, guarantee, commit: commitMs === 'default' ? 'default' : `${commitMs} ms`, seconds, ...last, exact }
}

export async function run(): Promise<void> {
  await ensureKafka()
  const input = `${runId}-transactions`
  await prepareInput(input)
  const truth = groundTruth()
  const guarantees = (process.env.BENCH_GUARANTEES ?? 'at_least_once,exactly_once').split(',') as Guarantee[]
  const rounds = Number(process.env.BENCH_ROUNDS ?? 1)
  console.log(`${RECORDS} records on a ${PARTITIONS}-partition topic, ${truth.size} windows; each peer a process of its own; ${rounds} round(s), interleaved`)
  const results: Measurement[] = []
  // quix-streams is not in the default list: its run never finished in session 7 (see the README).
  const all = peers(input, (process.env.BENCH_PEERS ?? 'sluice,kafka-streams').split(','))
  let failed = false
  for (let round = 0; round < rounds; round++) {
    for (const guarantee of guarantees) {
      for (const peer of all) {
        const result = await measure(peer, input, guarantee, COMMIT_MS[guarantee], truth)
        results.push(result)
        failed ||= !result.exact
      }
    }
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN
  for (const guarantee of guarantees) {
    const of = (peer: string) => results.filter((result) => result.peer === peer && result.guarantee === guarantee)
    const sluiceRate = RECORDS / median(of('sluice').map((result) => result.seconds))
    for (const peer of all) {
      const runs = of(peer.name)
      const rate = RECORDS / median(runs.map((result) => result.seconds))
      console.log(
        `  ${guarantee.padEnd(13)} ${peer.name.padEnd(14)} commit ${runs[0]?.commit.padEnd(7)} ${Math.round(rate).toString().padStart(7)} records/s  ` +
          `${median(runs.map((result) => result.seconds)).toFixed(1)} s  CPU ${median(runs.map((result) => result.cpuSeconds)).toFixed(1)} s  ` +
          `peak RSS ${Math.round(median(runs.map((result) => result.peakRssMb)))} MB  ratio to sluice ${(rate / sluiceRate).toFixed(2)}  counts ${runs.every((result) => result.exact) ? 'exact' : 'WRONG'}`,
      )
    }
  }
  if (failed) throw new Error('a peer counted wrong (see "counts WRONG" above)')
}
