import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { defineTopology, serdes, Stores, type KeyValueStore, type ProcessorSupplier, type Topology } from 'sluice'
// The commit order is internal: these imports are the exception to "public API only".
import { TaskId } from '../../src/base/task-id.js'
import { topicPartitionKey } from '../../src/base/topic-partition.js'
import { commitTasks, type CommitSteps, type TaskOffsets } from '../../src/runtime/commit-sequence.js'
import { atLeastOnceSteps, BackgroundSender } from '../../src/runtime/kafka/background-sender.js'
import type { BatchSender } from '../../src/runtime/kafka/buffered-collector.js'
import { StreamTask, type StreamTaskOptions } from '../../src/runtime/stream-task.js'
// Real stores (and their write-back caches) for the task; the driver is not used here.
import { openStore } from '../../src/state/open-store.js'
import { BACKENDS } from '../helpers/driver.js'

type ManagedStore = StreamTaskOptions['stores'] extends ReadonlyMap<string, infer S> ? S : never
type IncomingRecord = Parameters<StreamTask['process']>[0][number]
type OutgoingRecord = Parameters<CommitSteps['sendChangelogs']>[0][number]

const S = serdes.string()

/** Keeps the latest value per key; the value "DEL" deletes the key. */
const latest: ProcessorSupplier<string, string> = () => {
  let store: KeyValueStore<string, string>
  return {
    init: (context) => {
      store = context.getStateStore<KeyValueStore<string, string>>('latest')
    },
    process: (record) => {
      if (record.value === 'DEL') store.delete(record.key)
      else store.put(record.key, record.value)
    },
  }
}

const topology: Topology = defineTopology({ applicationId: 'commit-order' }, (b) => {
  const s = b.stream('in', { key: S, value: S })
  s.groupByKey().count({ store: 'counts' }).toStream().to('counts-out')
  s.process(latest, { name: 'latest', stores: [Stores.keyValue('latest', { key: S, value: S })] })
})

/** A commit run that records every step in `log`; outputs wait in the collector until step 3. */
class Recorder {
  readonly log: string[] = []
  readonly changelogs: OutgoingRecord[] = []
  readonly outputs: OutgoingRecord[] = []
  readonly offsets: TaskOffsets[] = []
  readonly buffered: OutgoingRecord[] = []
  failAt: keyof CommitSteps | undefined

  readonly collector = {
    send: (record: OutgoingRecord) => {
      this.buffered.push(record)
    },
    partitionsFor: () => 4,
  }

  readonly steps: CommitSteps = {
    sendChangelogs: async (records) => {
      this.step('sendChangelogs')
      this.log.push(`changelogs (${records.length})`)
      this.changelogs.push(...records)
    },
    sendOutputs: async () => {
      this.step('sendOutputs')
      this.log.push(`outputs (${this.buffered.length})`)
      this.outputs.push(...this.buffered.splice(0))
    },
    commitOffsets: async (offsets) => {
      this.step('commitOffsets')
      this.log.push('offsets')
      this.offsets.push(...offsets)
    },
  }

  /** Wraps a store's flush() to log when it starts and when its batch is written. */
  watch(taskId: string, store: ManagedStore): void {
    const flush = store.flush.bind(store)
    store.flush = async () => {
      this.log.push(`flush ${taskId}/${store.name}`)
      const changes = await flush()
      this.log.push(`flushed ${taskId}/${store.name} (${changes.length})`)
      return changes
    }
  }

  private step(name: keyof CommitSteps): void {
    if (this.failAt === name) throw new Error(`${name} failed`)
  }
}

describe.each(BACKENDS)('commit sequence on %s', (backend) => {
  let stateDir: string
  let opened: ManagedStore[]

  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'sluice-commit-'))
    opened = []
  })

  afterEach(async () => {
    for (const store of opened) await store.close()
    await rm(stateDir, { recursive: true, force: true })
  })

  async function createTask(partition: number, recorder: Recorder, collector: StreamTaskOptions['collector'] = recorder.collector): Promise<StreamTask> {
    const [subtopology] = topology.subtopologies
    const stores = new Map<string, ManagedStore>()
    const taskId = new TaskId(subtopology.id, partition).format()
    for (const spec of subtopology.stores) {
      const store = await openStore(spec, { directory: join(stateDir, taskId, spec.name), backend }, { serdeTopic: topology.changelogTopicOf(spec.name) })
      opened.push(store)
      recorder.watch(taskId, store)
      stores.set(spec.name, store)
    }
    const task = new StreamTask({ applicationId: topology.applicationId, subtopology, partition, stores, collector, clock: () => 0 })
    await task.initialize()
    return task
  }

  const input = (partition: number, offset: number, key: string, value: string): IncomingRecord => ({
    topic: 'in',
    partition,
    offset: String(offset),
    key: Buffer.from(key),
    value: Buffer.from(value),
    timestamp: offset,
    headers: {},
  })

  const changelog = (records: readonly OutgoingRecord[]) =>
    records.map((record) => ({
      topic: record.topic,
      partition: record.partition,
      key: record.key?.toString(),
      value: record.value === null ? null : record.topic.endsWith('-counts-changelog') ? record.value.readBigInt64BE() : record.value.toString(),
      timestamp: record.timestamp,
    }))

  test('flush stores -> changelog records -> outputs -> offsets; changelogs carry the latest value per key', async () => {
    const recorder = new Recorder()
    const task = await createTask(2, recorder)
    await task.process([
      input(2, 10, 'a', '1'),
      input(2, 11, 'b', '2'),
      input(2, 12, 'a', '3'),
      input(2, 13, 'a', '4'),
      input(2, 14, 'b', 'DEL'),
      input(2, 15, 'c', '5'),
    ])
    expect(recorder.log).toEqual([])
    expect(recorder.buffered).toHaveLength(6)

    const result = await commitTasks([task], (store) => topology.changelogTopicOf(store), recorder.steps, 1_000)
    expect(recorder.log).toEqual([
      'flush 0_2/counts',
      'flushed 0_2/counts (3)',
      'flush 0_2/latest',
      'flushed 0_2/latest (3)',
      'changelogs (6)',
      'outputs (6)',
      'offsets',
    ])
    expect(result).toEqual({ changelogRecords: 6 })
    expect(changelog(recorder.changelogs)).toEqual([
      { topic: 'commit-order-counts-changelog', partition: 2, key: 'a', value: 3n, timestamp: 1_000 },
      { topic: 'commit-order-counts-changelog', partition: 2, key: 'b', value: 2n, timestamp: 1_000 },
      { topic: 'commit-order-counts-changelog', partition: 2, key: 'c', value: 1n, timestamp: 1_000 },
      { topic: 'commit-order-latest-changelog', partition: 2, key: 'a', value: '4', timestamp: 1_000 },
      { topic: 'commit-order-latest-changelog', partition: 2, key: 'b', value: null, timestamp: 1_000 },
      { topic: 'commit-order-latest-changelog', partition: 2, key: 'c', value: '5', timestamp: 1_000 },
    ])
    expect(recorder.outputs.map((record) => [record.topic, record.key?.toString(), record.value?.readBigInt64BE()])).toEqual([
      ['counts-out', 'a', 1n],
      ['counts-out', 'b', 1n],
      ['counts-out', 'a', 2n],
      ['counts-out', 'a', 3n],
      ['counts-out', 'b', 2n],
      ['counts-out', 'c', 1n],
    ])
    expect(recorder.offsets).toEqual([{ taskId: '0_2', partition: 2, offsets: new Map([['in', '16']]) }])

    // The next commit sends only what changed since, again the latest value per key.
    recorder.log.length = 0
    recorder.changelogs.length = 0
    await task.process([input(2, 16, 'c', '6'), input(2, 17, 'b', '7'), input(2, 18, 'c', 'DEL'), input(2, 19, 'b', '8')])
    await commitTasks([task], (store) => topology.changelogTopicOf(store), recorder.steps, 2_000)
    expect(recorder.log).toEqual([
      'flush 0_2/counts',
      'flushed 0_2/counts (2)',
      'flush 0_2/latest',
      'flushed 0_2/latest (2)',
      'changelogs (4)',
      'outputs (4)',
      'offsets',
    ])
    expect(changelog(recorder.changelogs)).toEqual([
      { topic: 'commit-order-counts-changelog', partition: 2, key: 'c', value: 3n, timestamp: 2_000 },
      { topic: 'commit-order-counts-changelog', partition: 2, key: 'b', value: 4n, timestamp: 2_000 },
      { topic: 'commit-order-latest-changelog', partition: 2, key: 'c', value: null, timestamp: 2_000 },
      { topic: 'commit-order-latest-changelog', partition: 2, key: 'b', value: '8', timestamp: 2_000 },
    ])
    expect(recorder.offsets.at(-1)?.offsets).toEqual(new Map([['in', '20']]))

    // Nothing changed: no changelog records, but the steps still run in order.
    recorder.log.length = 0
    await commitTasks([task], (store) => topology.changelogTopicOf(store), recorder.steps, 3_000)
    expect(recorder.log).toEqual(['flush 0_2/counts', 'flushed 0_2/counts (0)', 'flush 0_2/latest', 'flushed 0_2/latest (0)', 'changelogs (0)', 'outputs (0)', 'offsets'])
  })

  test('with several tasks, every store of every task is flushed before any changelog record is sent', async () => {
    const recorder = new Recorder()
    const tasks = [await createTask(0, recorder), await createTask(1, recorder)]
    await tasks[0].process([input(0, 0, 'x', '1'), input(0, 1, 'x', '2')])
    await tasks[1].process([input(1, 0, 'y', '3')])
    await commitTasks(tasks, (store) => topology.changelogTopicOf(store), recorder.steps, 5)
    expect(recorder.log).toEqual([
      'flush 0_0/counts',
      'flushed 0_0/counts (1)',
      'flush 0_0/latest',
      'flushed 0_0/latest (1)',
      'flush 0_1/counts',
      'flushed 0_1/counts (1)',
      'flush 0_1/latest',
      'flushed 0_1/latest (1)',
      'changelogs (4)',
      'outputs (3)',
      'offsets',
    ])
    expect(changelog(recorder.changelogs).map((record) => [record.topic, record.partition, record.key, record.value])).toEqual([
      ['commit-order-counts-changelog', 0, 'x', 2n],
      ['commit-order-latest-changelog', 0, 'x', '2'],
      ['commit-order-counts-changelog', 1, 'y', 1n],
      ['commit-order-latest-changelog', 1, 'y', '3'],
    ])
    expect(recorder.offsets).toEqual([
      { taskId: '0_0', partition: 0, offsets: new Map([['in', '2']]) },
      { taskId: '0_1', partition: 1, offsets: new Map([['in', '1']]) },
    ])
  })

  test.each(['sendChangelogs', 'sendOutputs'] as const)('when %s fails, no later step runs: offsets are never committed ahead of data', async (failAt) => {
    const recorder = new Recorder()
    const task = await createTask(0, recorder)
    await task.process([input(0, 0, 'k', 'v')])
    recorder.failAt = failAt
    await expect(commitTasks([task], (store) => topology.changelogTopicOf(store), recorder.steps, 0)).rejects.toThrow(`${failAt} failed`)
    expect(recorder.offsets).toEqual([])
    if (failAt === 'sendChangelogs') expect(recorder.outputs).toEqual([])
  })

  test('a store without changelog is flushed but sends no changelog records', async () => {
    const unlogged = defineTopology({ applicationId: 'commit-order' }, (b) => {
      b.stream('in', { key: S, value: S }).groupByKey().count({ store: 'quiet', logging: false })
    })
    const recorder = new Recorder()
    const [subtopology] = unlogged.subtopologies
    const store = await openStore(subtopology.stores[0], { directory: join(stateDir, 'quiet'), backend })
    opened.push(store)
    recorder.watch('0_0', store)
    const task = new StreamTask({ applicationId: 'commit-order', subtopology, partition: 0, stores: new Map([['quiet', store]]), collector: recorder.collector, clock: () => 0 })
    await task.initialize()
    await task.process([input(0, 0, 'k', 'v')])
    const result = await commitTasks([task], (name) => unlogged.changelogTopicOf(name), recorder.steps, 0)
    expect(result.changelogRecords).toBe(0)
    expect(recorder.log).toEqual(['flush 0_0/quiet', 'flushed 0_0/quiet (1)', 'changelogs (0)', 'outputs (0)', 'offsets'])
  })

  // Under at-least-once the Kafka runtime does not hold outputs until step 3: a BackgroundSender
  // sends them while the task goes on processing, and step 3 only waits until everything
  // queued (outputs, then the changelog records of step 2) is acknowledged. The literal order
  // above therefore holds for the steps, not for when records leave; what must hold, and is
  // pinned here with the runtime's own steps, is: records leave in the order they were
  // produced, one request in flight at a time, and offsets are committed only after every
  // output and changelog record produced before them is acknowledged.
  describe('at-least-once with background sending', () => {
    interface Request {
      readonly records: { topic: string; partition: number | undefined; key: string | undefined }[]
      readonly ack: () => void
      readonly fail: (error: Error) => void
    }

    /** A producer whose requests are acknowledged (or failed) only when the test says so. */
    class ManualProducer implements BatchSender {
      readonly requests: Request[] = []
      inFlight = 0
      maxInFlight = 0
      acknowledged = 0
      nextOffset = new Map<string, number>()

      sendBatch: BatchSender['sendBatch'] = (batch) => {
        this.inFlight++
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
        const records = (batch.topicMessages ?? []).flatMap(({ topic, messages }) => messages.map((message) => ({ topic, partition: message.partition, key: message.key?.toString() })))
        return new Promise((resolve, reject) => {
          this.requests.push({
            records,
            ack: () => {
              this.inFlight--
              this.acknowledged++
              // As a broker answers: per partition written, the offset of its first record.
              const metadata = new Map<string, { topicName: string; partition: number; errorCode: number; baseOffset: string }>()
              for (const record of records) {
                const key = topicPartitionKey({ topic: record.topic, partition: record.partition ?? 0 })
                const base = this.nextOffset.get(key) ?? 0
                this.nextOffset.set(key, base + 1)
                if (!metadata.has(key)) metadata.set(key, { topicName: record.topic, partition: record.partition ?? 0, errorCode: 0, baseOffset: String(base) })
              }
              resolve([...metadata.values()])
            },
            fail: (error) => {
              this.inFlight--
              reject(error)
            },
          })
        })
      }
    }

    async function setUp(minSendBytes: number) {
      const recorder = new Recorder()
      const producer = new ManualProducer()
      const sender = new BackgroundSender(producer, { minSendBytes })
      const task = await createTask(3, recorder, { send: (record) => sender.send(record), partitionsFor: () => 4 })
      const committed: TaskOffsets[] = []
      const ends = new Map<string, bigint>()
      const steps = atLeastOnceSteps(
        sender,
        async (offsets) => {
          // The invariant: nothing produced before these offsets is still unacknowledged.
          expect(producer.inFlight).toBe(0)
          expect(sender.size).toBe(0)
          committed.push(...offsets)
        },
        ends,
      )
      return { producer, sender, task, committed, ends, commit: () => commitTasks([task], (store) => topology.changelogTopicOf(store), steps, 7) }
    }

    test('outputs leave before the commit, in order, one request at a time; offsets wait for every acknowledgement', async () => {
      // One record is enough to start a request: every record makes its own request here.
      const { producer, sender, task, committed, ends, commit } = await setUp(1)
      await task.process([input(3, 40, 'a', '1'), input(3, 41, 'b', '2'), input(3, 42, 'a', '3')])
      // The first output left at once; the others wait behind it, unsent.
      expect(producer.requests.map((request) => request.records)).toEqual([[{ topic: 'counts-out', partition: undefined, key: 'a' }]])
      expect(sender.size).toBe(3)

      const committing = commit()
      let settled = false
      committing.then(() => (settled = true), () => undefined)
      // Acknowledge one request at a time: the next is sent only then, and the commit
      // (offsets included) completes only after the last one.
      let acknowledged = 0
      for (;;) {
        // Wait for the next request (the commit flushes the stores first) or the commit's end.
        await vi.waitFor(() => {
          if (!settled && producer.requests.length <= acknowledged) throw new Error('no request to acknowledge yet')
        })
        if (settled) break
        expect(committed).toEqual([])
        expect(producer.inFlight).toBe(1)
        producer.requests[acknowledged++].ack()
      }
      await committing
      expect(acknowledged).toBe(producer.requests.length)
      expect(producer.maxInFlight).toBe(1)
      // Outputs in the order produced, then the changelog records of the commit's flush.
      expect(producer.requests.flatMap((request) => request.records).map((record) => `${record.topic}/${record.key}`)).toEqual([
        'counts-out/a',
        'counts-out/b',
        'counts-out/a',
        'commit-order-counts-changelog/a',
        'commit-order-counts-changelog/b',
        'commit-order-latest-changelog/a',
        'commit-order-latest-changelog/b',
      ])
      expect(producer.acknowledged).toBe(producer.requests.length)
      expect(committed).toEqual([{ taskId: '0_3', partition: 3, offsets: new Map([['in', '43']]) }])
      // The next offset of each changelog partition written, for the checkpoint.
      expect(ends.get('commit-order-counts-changelog:3')).toBe(2n)
      expect(ends.get('commit-order-latest-changelog:3')).toBe(2n)
    })

    test('records below the send threshold wait for the commit, which sends them before committing offsets', async () => {
      const { producer, task, committed, commit } = await setUp(1 << 30)
      await task.process([input(3, 0, 'x', '1')])
      expect(producer.requests).toEqual([])
      const committing = commit()
      // Output and changelog records fit one request.
      await vi.waitFor(() => expect(producer.requests).toHaveLength(1))
      expect(committed).toEqual([])
      producer.requests[0].ack()
      await committing
      expect(committed.map((offsets) => offsets.offsets)).toEqual([new Map([['in', '1']])])
    })

    test('a failed request fails the commit, stops later sends and commits no offsets, until reset', async () => {
      const { producer, sender, task, committed, commit } = await setUp(1)
      await task.process([input(3, 0, 'a', '1'), input(3, 1, 'b', '2')])
      producer.requests[0].fail(new Error('broker said no'))
      await expect(commit()).rejects.toThrow('broker said no')
      // Nothing after the lost record was sent, and it stays that way.
      expect(producer.requests).toHaveLength(1)
      await task.process([input(3, 2, 'c', '3')])
      await expect(commit()).rejects.toThrow('broker said no')
      expect(producer.requests).toHaveLength(1)
      expect(committed).toEqual([])

      // The runtime resets the sender when it discards the uncommitted work, which is then redone.
      sender.reset()
      sender.send({ topic: 'counts-out', key: Buffer.from('d'), value: null, timestamp: 0, headers: {} })
      expect(producer.requests).toHaveLength(2)
      producer.requests[1].ack()
      await expect(sender.flush()).resolves.toBeInstanceOf(Map)
    })
  })
})
