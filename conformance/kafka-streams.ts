// The Kafka Streams side: the Maven project conformance/kafka-streams (Kafka Streams 4.4 from
// Maven Central), built once (target/ is the cache), and one JVM per case run.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CaseNames } from './case.js'

const PROJECT = fileURLToPath(new URL('./kafka-streams', import.meta.url))
const CLASSES = join(PROJECT, 'target/classes')
const LIBS = join(PROJECT, 'target/libs')

/** The newest modification time under a folder (the Java sources, the pom). */
function newest(path: string): number {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))))
}

/** Builds the project unless target/ is newer than its sources; returns the class path and the seconds it took (0: cached). */
export function buildKafkaStreams(): { classpath: string; seconds: number } {
  const built = join(CLASSES, 'dev/sluice/conformance/Main.class')
  const stale = !existsSync(built) || !existsSync(LIBS) || newest(join(PROJECT, 'src')) > statSync(built).mtimeMs || statSync(join(PROJECT, 'pom.xml')).mtimeMs > statSync(built).mtimeMs
  const started = process.hrtime.bigint()
  if (stale) {
    console.log('building the Kafka Streams cases with Maven (conformance/kafka-streams)')
    execFileSync('nice', ['mvn', '-B', '-q', '-f', join(PROJECT, 'pom.xml'), 'package', 'dependency:copy-dependencies', `-DoutputDirectory=${LIBS}`, '-DincludeScope=runtime'], { stdio: 'inherit' })
  }
  return { classpath: `${CLASSES}:${LIBS}/*`, seconds: stale ? Number(process.hrtime.bigint() - started) / 1e9 : 0 }
}

/** A running Kafka Streams case; stop() closes its standard input, which makes it close the streams and exit. */
export class KafkaStreamsCase {
  private readonly child: ChildProcess
  private readonly output: string[] = []
  readonly exited: Promise<number | null>

  constructor(classpath: string, caseName: string, brokers: readonly string[], names: CaseNames, stateDir: string, params: Readonly<Record<string, number>>, recordCache = false) {
    const args = [
      ...Object.entries(names.inputs).map(([name, topic]) => `in.${name}=${topic}`),
      ...Object.entries(params).map(([name, value]) => `param.${name}=${value}`),
    ]
    this.child = spawn('nice', ['java', '-Xmx512m', '-XX:+UseSerialGC', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', `-Dconformance.recordCache=${recordCache}`, '-cp', classpath, 'dev.sluice.conformance.Main', caseName, brokers.join(','), names.applicationId, stateDir, names.output, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    for (const stream of [this.child.stdout, this.child.stderr]) stream?.on('data', (chunk: Buffer) => this.output.push(chunk.toString('utf8')))
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)))
  }

  /** What it printed (warnings, errors, stack traces). */
  get log(): string {
    return this.output.join('')
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  async stop(): Promise<void> {
    this.child.stdin?.end()
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 40_000)
    await this.exited
    clearTimeout(killer)
  }
}
