// At-least-once against a zombie: a process paused (SIGSTOP) past its session timeout with
// work not yet committed, while a successor takes its tasks and counts on. Resumed, the
// zombie must not send its stale changelog and output records: they would land after the
// successor's newer counts and overwrite them downstream (an under-count, i.e. lost records).
// Before the membership lease, its commit timer sent them before learning it was out.
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { createTopic, groupLag, produce, readTopic, SluiceProcess, waitFor } from './kafka-helpers.js'
import { lastCountPerWindow, PIPELINE_TOPOLOGY, pipelineEnv, pipelineNames, pipelineTransactions, referenceCounts, sleep } from './pipeline-helpers.js'

const SESSION_TIMEOUT_MS = 6000

test('a resumed at-least-once zombie writes nothing stale: no window ends below its count', async () => {
  const names = pipelineNames('at_least_once')
  await createTopic(names.input, 2)
  await createTopic(names.output, 2)
  const records = pipelineTransactions(16_000, 31)
  // Long commits, so that the zombie holds a lot of uncommitted work when it is paused; hour
  // windows, so that the windows it was counting get many more records after the pause.
  const env = pipelineEnv(names, 'at_least_once', 'unused', { SLUICE_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS), SLUICE_COMMIT_INTERVAL_MS: '4000', TEST_WINDOW_SIZE: '1h' })
  const zombie = new SluiceProcess(PIPELINE_TOPOLOGY, { ...env, SLUICE_STATE_DIR: join(names.stateDir, 'zombie') })
  let successor: SluiceProcess | undefined
  try {
    await produce(names.input, records.slice(0, 2000))
    await zombie.waitForOutput(/running tasks/, 120_000)
    // Input flows while the zombie is paused mid-stream.
    for (let start = 2000; start < 8000; start += 500) {
      await produce(names.input, records.slice(start, start + 500))
      await sleep(150)
    }
    zombie.kill('SIGSTOP')
    successor = new SluiceProcess(PIPELINE_TOPOLOGY, { ...env, SLUICE_STATE_DIR: join(names.stateDir, 'successor') })
    await successor.waitForOutput(/running tasks/, 120_000)
    await produce(names.input, records.slice(8000))
    await waitFor(async () => (await groupLag(names.applicationId, [names.input, names.repartition])) === 0, 180_000, `the successor to catch up:\n${successor.output.join('')}`)
    zombie.kill('SIGCONT')
    // Whatever the zombie does now happens within a few seconds (its commit timer, its sender).
    await sleep(8000)
    await waitFor(async () => (await groupLag(names.applicationId, [names.input, names.repartition])) === 0, 180_000, 'the group to settle')
    await sleep(3000)
    const expected = referenceCounts(records, 3_600_000)
    const counts = lastCountPerWindow(await readTopic(names.output), names.output)
    const below = [...expected].filter(([window, count]) => (counts.get(window) ?? 0) < count).map(([window, count]) => `${window}: ${counts.get(window)} < ${count}`)
    expect(below, zombie.output.join('')).toEqual([])
  } finally {
    zombie.kill('SIGCONT')
    for (const process of [zombie, successor]) process?.kill('SIGTERM')
    const codes = await Promise.all([zombie.exited, successor?.exited])
    await rm(names.stateDir, { recursive: true, force: true })
    // Neither died on the way (the zombie rejoins rather than stopping); both stopped cleanly.
    expect(codes, zombie.output.join('')).toEqual([0, 0])
  }
})
