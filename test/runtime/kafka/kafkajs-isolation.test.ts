import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, test } from 'vitest'
import { CORRECTED_KAFKAJS_VERSION, kafkajsCorrectionProblems } from '../../../src/runtime/kafka/kafkajs/kafkajs-corrections.js'

const run = promisify(execFile)
const HOOK = fileURLToPath(new URL('../../../scripts/source-entry-points.mjs', import.meta.url))
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

/** Runs a fixture as its own program (a fresh module cache), as a user's process would start. */
async function runProgram(name: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', HOOK, fixture(name), ...args], { timeout: 60_000 })
  return stdout
}

describe("Sluice's kafkajs and the user's", () => {
  test('in this process the corrections are in force, on the pinned kafkajs', async () => {
    const { createRequire } = await import('node:module')
    const manifest = createRequire(import.meta.url)('sluice-kafkajs/package.json') as { version: string }
    expect(manifest.version).toBe(CORRECTED_KAFKAJS_VERSION)
    expect(kafkajsCorrectionProblems()).toEqual([])
  })

  test("a user's kafkajs loaded first stays stock, and Sluice's copy is still corrected", async () => {
    expect(JSON.parse(await runProgram('kafkajs-loaded-first.ts'))).toEqual({ problems: [], userFilterIsSluices: false, userGroupingIsSluices: false, userFilterStillCached: true })
  })

  test('when something loaded Sluice\'s own copy before its corrections, exactly-once refuses to start and says why', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'sluice-corrections-'))
    try {
      const output = await runProgram('sluice-kafkajs-loaded-first.ts', stateDir)
      expect(output).toMatch(/^refused: exactly-once processing needs Sluice's kafkajs corrections, which are not in force: Sluice's kafkajs loaded its consumer\/batch\.js before/)
    } finally {
      await rm(stateDir, { recursive: true, force: true })
    }
  })
})
