import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { runSluice } from './run-sluice.js'

const VERSION = (JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

// The scaffold's own `npm install && npm test` runs in test/package/npm-package.test.ts, on the packed package.
describe('sluice init <dir>', () => {
  let root: string
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'sluice-init-'))
  })
  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  test('writes a project that depends on this version of sluice, with a topology the CLI can describe', async () => {
    const dir = join(root, 'My App')
    const result = await runSluice(['init', dir])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`Next: cd ${dir} && npm install && npm test`)
    expect((await readdir(dir, { recursive: true })).sort()).toEqual(['.gitignore', 'README.md', 'package.json', 'src', 'src/topology.ts', 'test', 'test/topology.test.ts', 'tsconfig.json'])
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name: string; type: string; scripts: { [name: string]: string }; dependencies: { [name: string]: string }; devDependencies: { [name: string]: string } }
    expect(manifest.name).toBe('my-app')
    expect(manifest.type).toBe('module')
    expect(manifest.dependencies).toEqual({ sluice: `^${VERSION}` })
    expect(manifest.scripts.test).toBe('vitest run')
    expect(Object.keys(manifest.devDependencies)).toContain('vitest')
    const tsconfig = JSON.parse(await readFile(join(dir, 'tsconfig.json'), 'utf8')) as { compilerOptions: { [option: string]: unknown } }
    expect(tsconfig.compilerOptions).toMatchObject({ strict: true, module: 'nodenext', moduleResolution: 'nodenext' })
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toContain('npx sluice run src/topology.ts')
    expect(await readFile(join(dir, 'test/topology.test.ts'), 'utf8')).toContain("from 'sluice/testing'")

    const described = await runSluice(['describe', join(dir, 'src/topology.ts')])
    expect(described.stderr).toBe('')
    expect(described.code).toBe(0)
    expect(described.stdout).toMatch(/^Topology: word-counts\n/)
    expect(described.stdout).toContain('word-counts (keyValue, changelog: word-counts-word-counts-changelog)')
  })

  test('--sluice-spec sets the dependency; an empty existing directory is fine', async () => {
    const dir = join(root, 'empty')
    await mkdir(dir)
    expect((await runSluice(['init', dir, '--sluice-spec', 'file:../sluice-9.9.9.tgz'])).code).toBe(0)
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { dependencies: { [name: string]: string } }
    expect(manifest.dependencies).toEqual({ sluice: 'file:../sluice-9.9.9.tgz' })
  })

  test('refuses a non-empty directory and leaves it alone (exit 1)', async () => {
    const dir = join(root, 'taken')
    await mkdir(dir)
    await writeFile(join(dir, 'notes.txt'), 'mine')
    const result = await runSluice(['init', dir])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`sluice: init: ${dir} is not empty (1 entries): give a new or empty directory`)
    expect(await readdir(dir)).toEqual(['notes.txt'])
  })

  test('refuses a file (exit 1)', async () => {
    const file = join(root, 'a-file')
    await writeFile(file, '')
    const result = await runSluice(['init', file])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`${file} exists and is not a directory`)
  })

  test('without a directory, or with two: the usage, exit 2; --help and help init: the usage, exit 0', async () => {
    for (const args of [['init'], ['init', join(root, 'x'), join(root, 'y')]]) {
      const result = await runSluice(args)
      expect(result.code).toBe(2)
      expect(result.stderr).toContain('Usage: sluice init <dir>')
    }
    for (const args of [['init', '--help'], ['help', 'init']]) {
      const result = await runSluice(args)
      expect([result.code, result.stdout.split('\n')[0]]).toEqual([0, 'Usage: sluice init <dir> [--sluice-spec spec]'])
    }
    expect((await runSluice(['--help'])).stdout).toContain('init <dir>')
  })
})
