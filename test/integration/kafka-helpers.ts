import '../../src/runtime/kafka/kafkajs/kafkajs-corrections.js' // corrects kafkajs before it loads
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { appendFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Kafka, logLevel, Partitioners, type Admin, type KafkaMessage } from 'sluice-kafkajs'

export const BROKERS = (process.env.SLUICE_BROKERS ?? '127.0.0.1:9092').split(',')
const BIN = fileURLToPath(new URL('../../bin/sluice.js', import.meta.url))

/** A name no earlier test run used, so tests never see each other's topics or groups. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`
}

/** Test helpers bound to one cluster: the suite's (below) or a test's own, such as the fault tests' broker. */
export class KafkaTestClient {
  readonly kafka: Kafka

  constructor(readonly brokers: readonly string[]) {
    this.kafka = new Kafka({ clientId: 'sluice-tests', brokers: [...brokers], logLevel: logLevel.NOTHING })
  }

  async withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin()
    await admin.connect()
    try {
      return await use(admin)
    } finally {
      await admin.disconnect()
    }
  }

  /**
   * Test data carries event times long past; with the broker's default time-based retention
   * (7 days, checked every 5 minutes) whole segments would vanish mid-test. Keep them forever.
   * A broker that has just started may not know the new topic's leader at once: retried.
   */
  async createTopic(topic: string, partitions: number): Promise<void> {
    await retrying(`creating ${topic}`, () =>
      this.withAdmin(async (admin) => {
        const existing = await admin.listTopics()
        if (!existing.includes(topic)) await admin.createTopics({ topics: [{ topic, numPartitions: partitions, configEntries: [{ name: 'retention.ms', value: '-1' }] }], waitForLeaders: true })
        await admin.fetchTopicOffsets(topic)
      }),
    )
  }

  async produce(topic: string, messages: { key: string | Buffer | null; value: string | Buffer | null; partition?: number }[]): Promise<void> {
    const producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
    await producer.connect()
    try {
      for (let start = 0; start < messages.length; start += 2000) {
        await producer.send({ topic, messages: messages.slice(start, start + 2000), acks: -1 })
      }
    } finally {
      await producer.disconnect()
    }
  }

  /**
   * Reads a topic from the beginning up to its end as of the call (every partition's high
   * watermark), or until `done` says so. Reaching the end is judged on every fetched batch,
   * including those kafkajs filters out (transaction markers, aborted records).
   */
  async readTopic(topic: string, options: { readCommitted?: boolean; done?: (messages: KafkaMessage[]) => boolean; timeoutMs?: number } = {}): Promise<KafkaMessage[]> {
    // Right after a broker restart the broker may not lead its partitions yet: retried.
    const ends = await retrying(`reading the end offsets of ${topic}`, () => this.withAdmin((admin) => admin.fetchTopicOffsets(topic)))
    const remaining = new Map(ends.filter((end) => Number(end.high) > 0).map((end) => [end.partition, BigInt(end.high)]))
    const consumer = this.kafka.consumer({ groupId: unique('reader'), readUncommitted: !options.readCommitted, maxWaitTimeInMs: 200 })
    const messages: KafkaMessage[] = []
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const end = remaining.get(payload.partition)
      if (end !== undefined && BigInt(payload.lastOffset) + 1n >= end) remaining.delete(payload.partition)
    })
    await consumer.connect()
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true })
      await consumer.run({
        eachBatch: async ({ batch }) => {
          messages.push(...batch.messages)
        },
      })
      const started = Date.now()
      while (options.done ? !options.done(messages) : remaining.size > 0) {
        if (Date.now() - started > (options.timeoutMs ?? 120_000)) throw new Error(`Timed out reading ${topic}: ${messages.length} messages`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    } finally {
      await consumer.disconnect()
    }
    return messages
  }

  /** Total lag of a consumer group over topics: 0 once it has committed everything. */
  async groupLag(groupId: string, topics: readonly string[]): Promise<number> {
    return this.withAdmin(async (admin) => {
      let lag = 0
      for (const topic of topics) {
        const ends = await admin.fetchTopicOffsets(topic)
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] })
        for (const end of ends) {
          const offset = committed?.partitions.find((entry) => entry.partition === end.partition)?.offset ?? '-1'
          // Per partition, never below 0: kafkajs's "high" is the last stable offset, which an open
          // transaction holds back, and a group reading uncommitted records (at-least-once) may
          // have committed past it; summed unclamped, such a partition cancelled another's lag.
          lag += Math.max(0, Number(end.high) - Math.max(0, Number(offset)))
        }
      }
      return lag
    })
  }
}

/** Retries what a just-started broker or a just-created topic may refuse for a moment (deadline 60 s). */
export async function retrying<T>(what: string, attempt: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const started = Date.now()
  for (let pause = 200; ; pause = Math.min(pause * 2, 3000)) {
    try {
      return await attempt()
    } catch (error) {
      if (Date.now() - started + pause > timeoutMs) throw new Error(`${what}: still failing after ${timeoutMs} ms: ${(error as Error).message}`, { cause: error })
      await new Promise((resolve) => setTimeout(resolve, pause))
    }
  }
}

/** The suite's cluster (SLUICE_BROKERS, else the services script's default). */
export const suiteCluster = new KafkaTestClient(BROKERS)
export const kafka = suiteCluster.kafka
export const withAdmin = suiteCluster.withAdmin.bind(suiteCluster)
export const createTopic = suiteCluster.createTopic.bind(suiteCluster)
export const produce = suiteCluster.produce.bind(suiteCluster)
export const readTopic = suiteCluster.readTopic.bind(suiteCluster)
export const groupLag = suiteCluster.groupLag.bind(suiteCluster)

export async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now()
  // A condition that throws (say, a topic not created yet) is simply not met yet.
  while (!(await condition().catch(() => false))) {
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

/** A `sluice run` child process; its output is kept for failure messages. */
export class SluiceProcess {
  readonly output: string[] = []
  readonly exited: Promise<number | null>
  private readonly child: ChildProcess

  constructor(file: string, env: { [name: string]: string }, args: string[] = [], command: 'run' | 'sink' = 'run') {
    this.child = spawn(process.execPath, [BIN, command, file, ...args], { env: { ...process.env, SLUICE_BROKERS: BROKERS.join(','), ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    // SLUICE_TEST_LOGS=<dir> keeps every process's output there as it comes, for looking into a failure.
    const logs = process.env.SLUICE_TEST_LOGS
    const logFile = logs ? join(logs, `${this.child.pid}.log`) : undefined
    const keep = (chunk: Buffer): void => {
      this.output.push(chunk.toString())
      if (logFile) appendFileSync(logFile, chunk)
    }
    this.child.stdout?.on('data', keep)
    this.child.stderr?.on('data', keep)
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)))
  }

  /** `sluice sink <file>` */
  static sink(file: string, env: { [name: string]: string }): SluiceProcess {
    return new SluiceProcess(file, env, [], 'sink')
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal)
  }

  /** Resolves when the process logged a line matching the pattern. */
  async waitForOutput(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    await waitFor(async () => pattern.test(this.output.join('')), timeoutMs, `output ${pattern} from sluice run; got:\n${this.output.join('')}`)
  }
}
