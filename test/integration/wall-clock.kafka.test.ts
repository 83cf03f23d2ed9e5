import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { defineTopology, KafkaStreams, Record, serdes, type ProcessorContext, type ProcessorSupplier } from 'sluice'
import { BROKERS, createTopic, groupLag, produce, readTopic, unique, waitFor } from './kafka-helpers.js'

const S = serdes.string()

async function newApplication(prefix: string) {
  const applicationId = unique(prefix)
  const names = { applicationId, input: `${applicationId}-input`, output: `${applicationId}-ticks`, stateDir: join(tmpdir(), `${applicationId}-state`) }
  await createTopic(names.input, 1)
  await createTopic(names.output, 1)
  return names
}

/** Counts records; every `intervalMs` of wall-clock time forwards ('seen', count), after `firstTick` ran once. */
function ticker(intervalMs: number, firstTick: () => Promise<void> = async () => {}): ProcessorSupplier<string, string, string, string> {
  return () => {
    let seen = 0
    let ticks = 0
    return {
      init: (context: ProcessorContext<string, string>) => {
        context.schedule(intervalMs, 'wall-clock', async (timestamp) => {
          if (ticks++ === 0) await firstTick()
          context.forward(new Record('seen', String(seen), timestamp))
        })
      },
      process: () => {
        seen++
      },
    }
  }
}

describe('wall-clock time on Kafka', () => {
  test('wall-clock punctuators fire while the application runs, with or without input', async () => {
    const { applicationId, input, output, stateDir } = await newApplication('wall-clock')
    const topology = defineTopology({ applicationId }, (b) => {
      b.stream(input, { key: S, value: S }).process(ticker(200)).to(output, { key: S, value: S })
    })
    await produce(input, ['a', 'b', 'c'].map((value) => ({ key: value, value })))
    const streams = new KafkaStreams(topology, { brokers: BROKERS, stateDir, log: () => {} })
    try {
      await streams.start()
      // Ticks keep coming after the three records are processed, with nothing more to read.
      await waitFor(async () => (await readTopic(output)).filter((message) => message.value?.toString() === '3').length >= 3, 60_000, 'ticks after the input')
      expect(streams.metrics().punctuations).toBeGreaterThanOrEqual(3)
    } finally {
      await streams.close()
      await rm(stateDir, { recursive: true, force: true })
    }
  })

  test('a batch waiting longer than the session timeout for a slow punctuator does not cost the member its place in the group', async () => {
    const { applicationId, input, output, stateDir } = await newApplication('slow-punctuator')
    const log: string[] = []
    // The first tick takes 4 s, holding the task; records arriving meanwhile wait in a batch.
    // kafkajs heartbeats only between batches, and the session times out after 1.5 s.
    const topology = defineTopology({ applicationId }, (b) => {
      b.stream(input, { key: S, value: S })
        .process(ticker(500, () => new Promise((resolve) => setTimeout(resolve, 4000))))
        .to(output, { key: S, value: S })
    })
    const streams = new KafkaStreams(topology, { brokers: BROKERS, stateDir, sessionTimeoutMs: 1500, commitIntervalMs: 100, log: (message) => log.push(message) })
    try {
      await streams.start()
      await waitFor(async () => log.some((message) => message.startsWith('running tasks')), 30_000, 'the task to start')
      // Records during the slow tick: their batch waits for it.
      for (let i = 0; i < 8; i++) {
        await produce(input, [{ key: `k${i}`, value: 'v' }])
        await new Promise((resolve) => setTimeout(resolve, 500))
      }
      await waitFor(async () => (await groupLag(applicationId, [input])) === 0, 60_000, 'every record committed')
      expect(streams.state).toBe('RUNNING')
      // One assignment: the member never left the group, so its task was never given up and restarted.
      expect(log.filter((message) => message.startsWith('running tasks')), log.join('\n')).toHaveLength(1)
      expect(log.filter((message) => /revoked|rebalanc/i.test(message)), log.join('\n')).toEqual([])
    } finally {
      await streams.close()
      await rm(stateDir, { recursive: true, force: true })
    }
  })
})
