import { mkdir, readdir, stat, writeFile } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

export const INIT_USAGE = `Usage: sluice init <dir> [--sluice-spec spec]

Creates a project that depends on Sluice in <dir> (a new or empty directory): package.json,
tsconfig.json (strict), a word-count topology (src/topology.ts), its test on the in-process
driver (test/topology.test.ts) and a README. Then: cd <dir> && npm install && npm test.
  --sluice-spec spec    the sluice dependency in package.json (default ^<this version>),
                        e.g. a tarball from npm pack: file:/path/to/sluice-<version>.tgz
`

/** Versions of the tools the new project's scripts use. */
const DEV_DEPENDENCIES = { '@types/node': '^20.19.0', typescript: '^5.9.0', vitest: '^3.2.4' }

/** The running package, whose version the new project depends on. */
export interface InitPackage {
  name: string
  version: string
}

/** A project name npm accepts, from the directory's name. */
function projectName(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+/, '')
  return name.length > 0 ? name.slice(0, 214) : 'sluice-app'
}

function packageJson(dir: string, sluice: InitPackage, spec: string): string {
  const manifest = {
    name: projectName(dir),
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: {
      test: 'vitest run',
      typecheck: 'tsc --noEmit',
      describe: 'sluice describe src/topology.ts',
      start: 'sluice run src/topology.ts',
    },
    dependencies: { [sluice.name]: spec },
    devDependencies: DEV_DEPENDENCIES,
  }
  return `${JSON.stringify(manifest, null, 2)}\n`
}

const TSCONFIG = `{
  "compilerOptions": {
    "target": "ES2022",
    "lib": ["ES2023"],
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "strict": true,
    "noImplicitOverride": true,
    "skipLibCheck": true,
    "noEmit": true,
    "types": ["node"]
  },
  "include": ["src", "test"]
}
`

const TOPOLOGY = `import { defineTopology, serdes } from 'sluice'

/** Splits a line into lower-case words. */
export function words(line: string): string[] {
  return line.toLowerCase().split(/[^\\p{L}\\p{N}']+/u).filter((word) => word.length > 0)
}

/**
 * Counts words: every line on the topic \`lines\` is split into words, and each word's running
 * count goes to the topic \`word-counts\` (key: the word, value: its count so far). The counts
 * live in the state store \`word-counts\`, backed by a changelog topic.
 */
export default defineTopology({ applicationId: 'word-counts' }, (b) => {
  b.stream('lines', { key: serdes.string(), value: serdes.string() })
    .flatMapValues((line) => words(line))
    .groupBy((_key, word) => word, { key: serdes.string(), value: serdes.string(), repartition: 'words' })
    .count({ store: 'word-counts' })
    .toStream()
    .to('word-counts', { key: serdes.string(), value: serdes.long() })
})
`

const TOPOLOGY_TEST = `import { serdes } from 'sluice'
import { TopologyTestDriver } from 'sluice/testing'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import topology from '../src/topology.js'

describe('word counts', () => {
  let driver: TopologyTestDriver
  beforeEach(async () => {
    driver = await TopologyTestDriver.create(topology)
  })
  afterEach(async () => {
    await driver.close()
  })

  test('each word gets its running count', async () => {
    const lines = driver.createInputTopic('lines', serdes.string(), serdes.string())
    const counts = driver.createOutputTopic('word-counts', serdes.string(), serdes.long())
    await lines.pipeInput('1', 'The quick brown fox')
    await lines.pipeInput('2', 'jumps over the lazy dog')
    expect(counts.readKeyValuesToList()).toEqual([
      { key: 'the', value: 1 },
      { key: 'quick', value: 1 },
      { key: 'brown', value: 1 },
      { key: 'fox', value: 1 },
      { key: 'jumps', value: 1 },
      { key: 'over', value: 1 },
      { key: 'the', value: 2 },
      { key: 'lazy', value: 1 },
      { key: 'dog', value: 1 },
    ])
    expect(driver.getKeyValueStore<string, number>('word-counts').get('the')).toBe(2)
  })
})
`

function readme(name: string): string {
  return `# ${name}

A [Sluice](https://www.npmjs.com/package/sluice) application: \`src/topology.ts\` counts the
words of the lines on the Kafka topic \`lines\` and writes each word's running count to
\`word-counts\`.

\`\`\`sh
npm install
npm test                          # test/topology.test.ts on the in-process driver: no Kafka needed
npm run typecheck                 # tsc, strict
npx sluice describe src/topology.ts
npx sluice run src/topology.ts    # on Kafka (--brokers host:port, default localhost:9092) until Ctrl-C
\`\`\`

\`npx sluice --help\` lists the commands and their options.
`
}

const GITIGNORE = `node_modules/
state/
`

/** \`sluice init <dir>\`: returns the exit code. */
export async function initCommand(args: string[], sluice: InitPackage): Promise<number> {
  const { values, positionals } = parseArgs({ args, strict: true, allowPositionals: true, options: { 'sluice-spec': { type: 'string' }, help: { type: 'boolean', short: 'h' } } })
  if (values.help) {
    process.stdout.write(INIT_USAGE)
    return 0
  }
  const [dir, ...extra] = positionals
  if (dir === undefined || extra.length > 0) {
    process.stderr.write(`sluice init: ${dir === undefined ? 'needs a directory, e.g. sluice init my-app' : `takes one directory, got ${positionals.length} arguments`}\n\n${INIT_USAGE}`)
    return 2
  }
  const spec = values['sluice-spec'] ?? `^${sluice.version}`
  const existing = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw error
  })
  if (existing !== undefined && !existing.isDirectory()) throw new Error(`init: ${dir} exists and is not a directory`)
  if (existing !== undefined) {
    const entries = await readdir(dir)
    if (entries.length > 0) throw new Error(`init: ${dir} is not empty (${entries.length} entries): give a new or empty directory`)
  }
  const name = projectName(dir)
  const files: [string, string][] = [
    ['package.json', packageJson(dir, sluice, spec)],
    ['tsconfig.json', TSCONFIG],
    ['src/topology.ts', TOPOLOGY],
    ['test/topology.test.ts', TOPOLOGY_TEST],
    ['README.md', readme(name)],
    ['.gitignore', GITIGNORE],
  ]
  for (const [file, content] of files) {
    const path = join(dir, file)
    await mkdir(join(path, '..'), { recursive: true })
    await writeFile(path, content, { flag: 'wx' })
  }
  process.stdout.write(`Created ${name} in ${dir}: ${files.map(([file]) => file).join(', ')}\nNext: cd ${dir} && npm install && npm test\n`)
  return 0
}
