// The package as users get it: `npm pack`, installed into an empty project from the tarball.
// Slow (a build, then installs from the registry, or npm's cache): packs once for every test.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const MINUTES = 60_000

interface Result {
  code: number
  stdout: string
  stderr: string
}

/**
 * The environment of a user's shell: none of this test run's own (vitest's variables would make
 * the scaffold's vitest think it runs inside this one; NODE_OPTIONS could load a TypeScript loader),
 * and no colours in the output.
 */
function userEnvironment(): { [name: string]: string } {
  const env: { [name: string]: string } = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || ['NODE_OPTIONS', 'TEST', 'NODE_ENV', 'FORCE_COLOR'].includes(name) || /^(VITEST|npm_package_|npm_lifecycle_)/.test(name)) continue
    env[name] = value
  }
  return { ...env, NO_COLOR: '1' }
}

function run(command: string, args: readonly string[], cwd: string, timeout = 5 * MINUTES): Promise<Result> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: userEnvironment(), timeout, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr })
    })
  })
}

/** Runs and expects success, showing the output when it fails. */
async function succeed(command: string, args: readonly string[], cwd: string, timeout?: number): Promise<Result> {
  const result = await run(command, args, cwd, timeout)
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited with ${result.code}:\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`)
  return result
}

/** The version of one of the repository's own dev dependencies: npm finds it in its cache. */
async function installedVersion(name: string): Promise<string> {
  return (JSON.parse(await readFile(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
}

const NPM_INSTALL = ['install', '--no-audit', '--no-fund', '--prefer-offline']

/** A topology of a user's project, plain JavaScript: words counted per key, run on the test driver. */
const PLAIN_NODE_APP = `
import { defineTopology, serdes } from 'sluice'
import { TopologyTestDriver } from 'sluice/testing'

const topology = defineTopology({ applicationId: 'plain-node-counts' }, (b) => {
  b.stream('words', { key: serdes.string(), value: serdes.string() })
    .groupBy((_key, word) => word, { key: serdes.string(), value: serdes.string() })
    .count({ store: 'counts' })
    .toStream()
    .to('counts', { key: serdes.string(), value: serdes.long() })
})

const driver = await TopologyTestDriver.create(topology)
try {
  const words = driver.createInputTopic('words', serdes.string(), serdes.string())
  await words.pipeRecords(['apple', 'pear', 'apple', 'fig', 'apple'].map((value, i) => ({ key: String(i), value, timestamp: 1000 + i })))
  const counts = driver.createOutputTopic('counts', serdes.string(), serdes.long()).readKeyValuesToList()
  console.log(JSON.stringify({ resolved: import.meta.resolve('sluice'), typescriptLoader: process.execArgv.join(' '), counts }))
} finally {
  await driver.close()
}
`

/** The same in TypeScript, type-checked against the shipped declarations under a strict nodenext tsconfig. */
const TYPED_TOPOLOGY = `import { defineTopology, serdes, TimeWindows, type Topology, type Windowed } from 'sluice'
import { TopologyTestDriver } from 'sluice/testing'
import { PostgresSink, definePostgresSink } from 'sluice/postgres'
import { avroSerde } from 'sluice/avro'
import { debeziumSerde, debeziumKeySerde } from 'sluice/debezium'

interface Order {
  category: string
  amount: number
}

export const orders = serdes.json<Order>()

const topology: Topology = defineTopology({ applicationId: 'typed-orders' }, (b) => {
  b.stream('orders', { key: serdes.string(), value: orders })
    .groupBy((_key, order) => order.category, { key: serdes.string() })
    .windowedBy(TimeWindows.ofSize('1m').grace('10s'))
    .count({ store: 'orders-per-category' })
    .toStream()
    .to('orders-per-category', { key: serdes.windowed(serdes.string()), value: serdes.long() })
})
export default topology

export const windowKey: (key: Windowed<string>) => number = (key) => key.window.start
export const entryPoints = [TopologyTestDriver, PostgresSink, definePostgresSink, avroSerde, debeziumSerde, debeziumKeySerde]

defineTopology({ applicationId: 'wrong-types' }, (b) => {
  const stream = b.stream('orders', { key: serdes.string(), value: orders })
  // @ts-expect-error an order has no field "price"
  stream.mapValues((order) => order.price)
  // @ts-expect-error a long serde cannot write orders
  stream.to('out', { key: serdes.string(), value: serdes.long() })
})

// @ts-expect-error the Avro serde lives in sluice/avro now
export const moved = serdes.avro
`

const STRICT_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2023'],
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    noEmit: true,
    types: ['node'],
  },
  include: ['topology.ts'],
}

describe('the npm package, packed and installed into an empty project', { timeout: 5 * MINUTES }, () => {
  let root: string
  let tarball: string
  let tarballFiles: string[]
  let app: string

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'sluice-package-'))
    // prepack builds dist/ first.
    await succeed('npm', ['pack', '--pack-destination', root], ROOT, 10 * MINUTES)
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string }
    tarball = join(root, `${manifest.name}-${manifest.version}.tgz`)
    tarballFiles = (await succeed('tar', ['-tzf', tarball], root)).stdout
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => line.replace(/^package\//, ''))

    app = join(root, 'app')
    await mkdir(app)
    await writeFile(join(app, 'package.json'), `${JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`)
    const typescript = `typescript@${await installedVersion('typescript')}`
    const nodeTypes = `@types/node@${await installedVersion('@types/node')}`
    await succeed('npm', [...NPM_INSTALL, tarball, typescript, nodeTypes], app, 10 * MINUTES)
    await writeFile(join(app, 'tsconfig.json'), JSON.stringify(STRICT_TSCONFIG, null, 2))
    await writeFile(join(app, 'topology.ts'), TYPED_TOPOLOGY)
  }, 20 * MINUTES)

  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true })
  })

  test('the tarball holds the compiled entry points, the CLI, the shipped topologies and the generator, and no tests, benchmarks, state or sources', () => {
    for (const entry of ['index', 'testing', 'postgres', 'avro', 'debezium']) {
      expect(tarballFiles).toContain(`dist/${entry}.js`)
      expect(tarballFiles).toContain(`dist/${entry}.d.ts`)
    }
    for (const file of ['package.json', 'README.md', 'CHANGELOG.md', 'bin/sluice.js', 'dist/cli/main.js', 'topologies/category-counts.ts', 'topologies/transaction.ts', 'topologies/geo.ts', 'topologies/avro/transaction-v1.avsc', 'demo/generator/run-generator.ts']) {
      expect(tarballFiles).toContain(file)
    }
    const unwanted = tarballFiles.filter((file) => /^(src|test|bench|state|scripts|\.services|node_modules|docs)\//.test(file) || /\.test(-d)?\.ts$/.test(file) || /^tsconfig.*\.json$/.test(file))
    expect(unwanted).toEqual([])
    expect(tarballFiles.filter((file) => file.startsWith('demo/') && !file.startsWith('demo/generator/'))).toEqual([])
    expect(existsSync(join(app, 'node_modules/sluice/src'))).toBe(false)
    expect(existsSync(join(app, 'node_modules/sluice/dist/index.js'))).toBe(true)
  })

  test('plain node, with no TypeScript loader, imports sluice and sluice/testing and runs a topology on the test driver', async () => {
    await writeFile(join(app, 'count.mjs'), PLAIN_NODE_APP)
    const result = await succeed(process.execPath, ['count.mjs'], app)
    const output = JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as { resolved: string; typescriptLoader: string; counts: unknown }
    expect(output.resolved).toBe(`file://${join(app, 'node_modules/sluice/dist/index.js')}`)
    expect(output.typescriptLoader).toBe('')
    expect(output.counts).toEqual([
      { key: 'apple', value: 1 },
      { key: 'pear', value: 1 },
      { key: 'apple', value: 2 },
      { key: 'fig', value: 1 },
      { key: 'apple', value: 3 },
    ])
  })

  test('a strict nodenext TypeScript project type-checks a topology against the shipped declarations', async () => {
    const tsc = join(app, 'node_modules/typescript/bin/tsc')
    const checked = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], app)
    expect(checked.stdout + checked.stderr).toBe('')
    expect(checked.code).toBe(0)

    // And it does check: a type error in a file of the same project fails.
    await writeFile(join(app, 'tsconfig.broken.json'), JSON.stringify({ extends: './tsconfig.json', include: ['broken.ts'] }))
    await writeFile(join(app, 'broken.ts'), "import topology from './topology.js'\n\nexport const wrong: string = topology.applicationId.length\n")
    const failed = await run(process.execPath, [tsc, '-p', 'tsconfig.broken.json'], app)
    expect(failed.code).not.toBe(0)
    expect(failed.stdout).toContain("broken.ts(3,14): error TS2322: Type 'number' is not assignable to type 'string'")
  })

  test('npx sluice describe prints a TypeScript topology of the project', async () => {
    const result = await run('npx', ['--no', 'sluice', 'describe', 'topology.ts'], app)
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^Topology: typed-orders\n {2}Sub-topology: 0\n {4}Source: source-1 \(topics: \[orders\]\)/)
    expect(result.stdout).toContain('orders-per-category (window, window 60000 ms, retention 70000 ms, changelog: typed-orders-orders-per-category-changelog)')
    expect(result.stdout).toContain('typed-orders-orders-group-by-repartition (repartition)')
  })

  test('npx sluice generate runs the shipped generator', async () => {
    const result = await run('npx', ['--no', 'sluice', 'generate', '--to', 'jsonl', '--file', '-', '--count', '5', '--seed', '7'], app)
    expect(result.code).toBe(0)
    const lines = result.stdout.trim().split('\n')
    expect(lines).toHaveLength(5)
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ cc_num: expect.any(String), category: expect.any(String), amt: expect.any(Number) })
  })

  test('sluice init scaffolds a project whose npm install, npm test and typecheck pass against the tarball', { timeout: 20 * MINUTES }, async () => {
    const scaffold = join(root, 'scaffold')
    const created = await run('npx', ['--no', 'sluice', 'init', scaffold, '--sluice-spec', `file:${tarball}`], app)
    expect(created.code).toBe(0)
    expect(created.stdout).toContain(`Next: cd ${scaffold} && npm install && npm test`)
    await succeed('npm', NPM_INSTALL, scaffold, 10 * MINUTES)
    const tested = await succeed('npm', ['test'], scaffold)
    expect(tested.stdout).toMatch(/Tests {2}1 passed \(1\)/)
    await succeed('npm', ['run', 'typecheck'], scaffold)
    const described = await succeed('npx', ['--no', 'sluice', 'describe', 'src/topology.ts'], scaffold)
    expect(described.stdout).toMatch(/^Topology: word-counts\n/)

    const again = await run('npx', ['--no', 'sluice', 'init', scaffold], app)
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('is not empty')
  })
})
