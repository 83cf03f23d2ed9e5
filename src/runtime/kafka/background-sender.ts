import type { CommitSteps, TaskOffsets } from '../commit-sequence.js'
import type { OutgoingRecord } from '../wire-records.js'
import { prepareRecord, requestEnd, sendRequest, type BatchSender, type PartitionsOf, type PreparedRecord } from './buffered-collector.js'

/** Sending starts once this much is queued, so that requests are not one record each. */
const DEFAULT_MIN_SEND_BYTES = 256 * 1024

/**
 * At-least-once: sends a task's output records (and, at commit, changelog records) through its
 * fenced transaction (TaskTransaction) while the task keeps processing, rather than all at
 * commit, so that producing overlaps processing. Records leave in the order they were given,
 * in requests sent strictly one after the other (never two in flight: kafkajs may reorder
 * concurrent sendBatch calls on the wire).
 *
 * flush() sends what is left and resolves once every record given so far is acknowledged; the
 * commit awaits it before committing offsets. A failed request is sticky: every later flush()
 * throws it and nothing more is sent, because records after a lost one must not be committed
 * past it, until reset() (the uncommitted work is being redone from the committed offsets).
 */
export class BackgroundSender {
  private pending: PreparedRecord[] = []
  private pendingBytes = 0
  /** Records given and not yet acknowledged (queued or in the request in flight). */
  private unacknowledged = 0
  /** Their bytes, as the request bounds count them: what the commit-early bound looks at. */
  private unacknowledgedBytes = 0
  private sending: Promise<void> | undefined
  private failure: unknown
  private generation = 0
  private ends = new Map<string, bigint>()
  private readonly minSendBytes: number
  private readonly partitionsOf: PartitionsOf | undefined
  private readonly beforeRequest: (() => Promise<void>) | undefined

  /**
   * `beforeRequest` runs before every request and stops the sending (a sticky failure) when it
   * throws: the runtime confirms there that this member still owns the tasks it sends for.
   */
  constructor(
    private readonly producer: BatchSender,
    options: { minSendBytes?: number; partitionsOf?: PartitionsOf; beforeRequest?: () => Promise<void> } = {},
  ) {
    this.minSendBytes = options.minSendBytes ?? DEFAULT_MIN_SEND_BYTES
    this.partitionsOf = options.partitionsOf
    this.beforeRequest = options.beforeRequest
  }

  /** Records given and not yet acknowledged. */
  get size(): number {
    return this.unacknowledged
  }

  /** Bytes of the records given and not yet acknowledged. */
  get bytes(): number {
    return this.unacknowledgedBytes
  }

  send(record: OutgoingRecord): void {
    if (this.failure !== undefined) return
    const prepared = prepareRecord(record, this.partitionsOf)
    this.pending.push(prepared)
    this.pendingBytes += prepared.bytes
    this.unacknowledged++
    this.unacknowledgedBytes += prepared.bytes
    if (this.sending === undefined && this.pendingBytes >= this.minSendBytes) this.start(false)
  }

  /**
   * Sends everything queued and waits until all of it is acknowledged. Returns the next offset
   * per `topic:partition` written since the previous flush.
   */
  async flush(): Promise<Map<string, bigint>> {
    for (;;) {
      if (this.sending !== undefined) {
        await this.sending
        continue
      }
      if (this.failure !== undefined) throw this.failure
      if (this.pending.length === 0) break
      this.start(true)
    }
    const ends = this.ends
    this.ends = new Map()
    return ends
  }

  /**
   * Forgets queued records and a failure: the work since the last commit is being redone. A
   * request in flight completes (its records may arrive twice, as at-least-once allows) and
   * no further request is sent before it is acknowledged.
   */
  reset(): void {
    this.generation++
    this.pending = []
    this.pendingBytes = 0
    this.unacknowledged = 0
    this.unacknowledgedBytes = 0
    this.failure = undefined
    this.ends = new Map()
  }

  /** Resolves once no request is in flight (whether it succeeded or not). */
  async settled(): Promise<void> {
    while (this.sending !== undefined) await this.sending.catch(() => undefined)
  }

  private start(all: boolean): void {
    const run: Promise<void> = this.pump(all).finally(() => {
      if (this.sending === run) this.sending = undefined
    })
    this.sending = run
  }

  /** The one sending loop: while there is enough queued (anything, when `all`), send it in order. */
  private async pump(all: boolean): Promise<void> {
    const generation = this.generation
    try {
      while (generation === this.generation && this.pending.length > 0 && (all || this.pendingBytes >= this.minSendBytes)) {
        const records = this.pending
        this.pending = []
        this.pendingBytes = 0
        for (let start = 0; start < records.length && generation === this.generation; ) {
          const end = requestEnd(records, start)
          const ends = new Map<string, bigint>()
          // Only awaited when there is one: without it, the first request leaves synchronously, as send() is called.
          if (this.beforeRequest !== undefined) {
            await this.beforeRequest()
            if (generation !== this.generation) return
          }
          await sendRequest(this.producer, records, start, end, ends)
          if (generation !== this.generation) return
          for (const [key, offset] of ends) this.ends.set(key, offset)
          this.unacknowledged -= end - start
          for (let index = start; index < end; index++) this.unacknowledgedBytes -= records[index].bytes
          start = end
        }
      }
    } catch (error) {
      if (generation !== this.generation) return
      this.failure = error ?? new Error('send failed')
      this.pending = []
      this.pendingBytes = 0
      this.unacknowledged = 0
      this.unacknowledgedBytes = 0
    }
  }
}

/**
 * The commit steps under at-least-once with a BackgroundSender: changelog records are queued
 * behind the outputs already given to it, "send outputs" waits until everything queued so far
 * is acknowledged, and only then are offsets committed. `ends` receives the next offset per
 * `topic:partition` written (for checkpoints).
 */
export function atLeastOnceSteps(sender: BackgroundSender, commitOffsets: (offsets: readonly TaskOffsets[]) => Promise<void>, ends: Map<string, bigint>): CommitSteps {
  return {
    sendChangelogs: async (records) => {
      for (const record of records) sender.send(record)
    },
    sendOutputs: async () => {
      for (const [key, end] of await sender.flush()) ends.set(key, end)
    },
    commitOffsets,
  }
}
