import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { createStateDirectories, STATE_MARKER } from '../../src/state/state-directory.js'
import { runSluice } from '../cli/run-sluice.js'

const APP = fileURLToPath(new URL('../cli/fixtures/counting-app.ts', import.meta.url))

/** Every path under a directory (links not followed), to compare before and after. */
async function tree(directory: string): Promise<string[]> {
  return (await readdir(directory, { recursive: true })).sort()
}

describe('sluice reset deletes local state only inside the state directory, in Sluice directories', () => {
  let project: string
  let stateDir: string
  beforeEach(async () => {
    // A project directory with its state root inside, as `state/` sits in a checkout.
    project = await mkdtemp(join(tmpdir(), 'reset-safety-'))
    stateDir = join(project, 'state')
    await mkdir(join(project, 'src'), { recursive: true })
    await writeFile(join(project, 'src', 'main.ts'), 'precious')
    await createStateDirectories(stateDir, 'other-app', '0_0')
  })
  afterEach(async () => {
    await rm(project, { recursive: true, force: true })
  })

  test.each(['..', '.', '../src', 'a/b', '.hidden', ''])('applicationId %j is refused before anything happens (exit 1), nothing deleted', async (id) => {
    const before = await tree(project)
    const result = await runSluice(['reset', APP, '--yes', '--state-dir', stateDir], { TEST_APPLICATION_ID: id })
    expect(result.code, result.stderr).toBe(1)
    expect(result.stderr).toContain(`applicationId "${id}"`)
    expect(await tree(project)).toEqual(before)
  })

  test('a directory of the application that Sluice did not create is refused (exit 1) and kept', async () => {
    await mkdir(join(stateDir, 'counting-app', 'mine'), { recursive: true })
    const before = await tree(project)
    const result = await runSluice(['reset', APP, '--yes', '--state-dir', stateDir])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/refusing to delete .*counting-app: it is not a Sluice state directory/)
    expect(await tree(project)).toEqual(before)
  })

  test("Sluice's own application directory is deleted (exit 0); a symlinked one loses the link only", async () => {
    await createStateDirectories(stateDir, 'counting-app', '0_0')
    const result = await runSluice(['reset', APP, '--yes', '--state-dir', stateDir])
    expect(result.code, result.stderr).toBe(0)
    expect(existsSync(join(stateDir, 'counting-app'))).toBe(false)
    expect(existsSync(join(stateDir, 'other-app', STATE_MARKER))).toBe(true)

    const elsewhere = join(project, 'elsewhere')
    await mkdir(elsewhere)
    await symlink(elsewhere, join(stateDir, 'counting-app'))
    await createStateDirectories(stateDir, 'counting-app', '0_0')
    const linked = await runSluice(['reset', APP, '--yes', '--state-dir', stateDir])
    expect(linked.code, linked.stderr).toBe(0)
    expect(existsSync(join(stateDir, 'counting-app'))).toBe(false)
    expect((await readdir(elsewhere)).sort()).toEqual(['0_0', STATE_MARKER].sort())
    expect(existsSync(join(project, 'src', 'main.ts'))).toBe(true)
  })
})
