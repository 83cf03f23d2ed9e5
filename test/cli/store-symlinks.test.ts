import { createHash } from 'node:crypto'
import { cp, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { serdes } from 'sluice'
import { TopologyTestDriver } from 'sluice/testing'
import { countingApp } from './fixtures/counting-app.js'
import { runSluice } from './run-sluice.js'

const APP = fileURLToPath(new URL('./fixtures/counting-app.ts', import.meta.url))
const STORE = join('counting-app', '0_0', 'word-counts')

/** Content hash, size and mtime of every regular file under a directory (links are not followed: the originals are what is hashed). */
async function fingerprints(directory: string): Promise<Map<string, string>> {
  const prints = new Map<string, string>()
  for (const path of await readdir(directory, { recursive: true })) {
    const info = await lstat(join(directory, path))
    if (!info.isFile()) continue
    prints.set(path, `${createHash('sha256').update(await readFile(join(directory, path))).digest('hex')} ${info.size} ${info.mtimeMs}`)
  }
  return prints
}

/** Moves `<base>/<relative>` to `<originals>/<name>` and leaves a symlink to it in its place. */
async function replaceWithLink(base: string, relative: string, originals: string, name: string): Promise<void> {
  await mkdir(originals, { recursive: true })
  await rename(join(base, relative), join(originals, name))
  await symlink(join(originals, name), join(base, relative))
}

describe('sluice store on a stopped application leaves the original files byte for byte alone, whatever is a symlink', () => {
  let sandbox: string
  let pristine: string
  beforeAll(async () => {
    sandbox = await mkdtemp(join(tmpdir(), 'store-symlinks-'))
    pristine = join(sandbox, 'pristine')
    // Stopped state as the runtime leaves it: LevelDB files whose log still holds the writes
    // (opening them replays the log into a new table file, which would change the directory).
    const driver = await TopologyTestDriver.create(countingApp('counting-app'), { stateDir: pristine })
    await driver.createInputTopic('words', serdes.string(), serdes.string()).pipeRecords(['a', 'b', 'a', 'c', 'a'].map((word) => ({ key: word, value: word })))
    await driver.close()
  })
  afterAll(async () => {
    await rm(sandbox, { recursive: true, force: true })
  })

  const layouts: { level: string; link: (root: string, originals: string) => Promise<string> }[] = [
    { level: 'the state root', link: async (root, originals) => (await replaceWithLink(join(root, '..'), 'state', originals, 'state'), root) },
    { level: 'the application directory', link: async (root, originals) => (await replaceWithLink(root, 'counting-app', originals, 'app'), root) },
    { level: 'the task directory', link: async (root, originals) => (await replaceWithLink(root, join('counting-app', '0_0'), originals, 'task'), root) },
    { level: 'the store directory', link: async (root, originals) => (await replaceWithLink(root, STORE, originals, 'store'), root) },
  ]

  test.each(layouts)('$level a symlink: get, ls and count read the store; every original file is unchanged', async ({ link }) => {
    const caseDir = await mkdtemp(join(sandbox, 'case-'))
    const root = join(caseDir, 'state')
    await cp(pristine, root, { recursive: true })
    const originals = join(caseDir, 'originals')
    await link(root, originals)
    const before = await fingerprints(originals)
    expect([...before.keys()].some((path) => path.endsWith('.log'))).toBe(true)

    const get = await runSluice(['store', APP, 'get', 'word-counts', 'a', '--json', '--state-dir', root])
    expect(get.code, get.stderr).toBe(0)
    expect((JSON.parse(get.stdout) as { rows: { key: string; value: number }[] }).rows.map((row) => [row.key, row.value])).toEqual([['a', 3]])
    const count = await runSluice(['store', APP, 'count', 'word-counts', '--json', '--state-dir', root])
    expect(count.code, count.stderr).toBe(0)
    expect(JSON.parse(count.stdout)).toMatchObject({ count: 3 })
    const ls = await runSluice(['store', APP, 'ls', '--state-dir', root])
    expect(ls.code, ls.stderr).toBe(0)
    expect(ls.stdout).toContain('word-counts')

    expect(await fingerprints(originals)).toEqual(before)
  })
})
