import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { expect, test } from 'vitest'
import { KafkaStreams, serdes } from 'sluice'
import { wordCounts } from './fixtures/word-counts-under-test.js'
import { BROKERS, createTopic, produce, unique, waitFor } from './kafka-helpers.js'

test('at-least-once: a task without a checkpoint rebuilds its store from the changelog, dropping keys only its local files had', async () => {
  const applicationId = unique('no-checkpoint')
  const input = `${applicationId}-input`
  const stateDir = join(tmpdir(), `${applicationId}-state`)
  await createTopic(input, 1)
  await createTopic(`${applicationId}-counts`, 1)
  await produce(input, ['a', 'a', 'b', 'a', 'b'].map((word) => ({ key: word, value: word })))
  const topology = wordCounts(applicationId, input, `${applicationId}-counts`)
  const first = new KafkaStreams(topology, { brokers: BROKERS, stateDir, log: () => {} })
  try {
    await first.start()
    await waitFor(async () => (await first.store<string, number>('word-counts').get('a')) === 3, 60_000, 'the counts')
  } finally {
    await first.close()
  }

  // As after a crash between a local flush and its changelog records: no checkpoint, and a key
  // the changelog never saw.
  const taskDirectory = join(stateDir, applicationId, '0_0')
  await rm(join(taskDirectory, '.checkpoint'))
  const db = new ClassicLevel<Buffer, Buffer>(join(taskDirectory, 'word-counts'), { keyEncoding: 'buffer', valueEncoding: 'buffer' })
  await db.put(Buffer.from('ghost'), serdes.long().serialize('', 7) as Buffer)
  await db.close()

  const second = new KafkaStreams(topology, { brokers: BROKERS, stateDir, log: () => {} })
  try {
    await second.start()
    const store = second.store<string, number>('word-counts')
    await waitFor(async () => (await store.get('a').catch(() => undefined)) === 3, 60_000, 'the restored counts')
    expect(await store.get('ghost')).toBeUndefined()
    expect(await store.all()).toEqual(expect.arrayContaining([{ key: 'a', value: 3 }, { key: 'b', value: 2 }]))
    expect(await store.count()).toBe(2)
  } finally {
    await second.close()
    await rm(stateDir, { recursive: true, force: true })
  }
})
