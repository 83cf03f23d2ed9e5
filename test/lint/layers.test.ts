import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { Linter, type ESLint } from 'eslint'
import tseslint from 'typescript-eslint'
import { describe, expect, test } from 'vitest'

// Plain JavaScript modules (ESLint loads them as they are): imported by a computed name, typed here.
const importJs = (path: string): Promise<unknown> => import(path)
const { default: layers } = (await importJs('../../eslint/layers.js')) as { default: ESLint.Plugin }
const { default: projectConfig } = (await importJs('../../eslint.config.js')) as { default: Linter.Config[] }

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** Lints `code` as if it were the file at `path` (relative to the project root), with the layers rule only. */
function layerErrors(path: string, code: string): string[] {
  const linter = new Linter({ configType: 'flat', cwd: ROOT })
  const config = [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser as Linter.Parser }, plugins: { sluice: layers }, rules: { 'sluice/layers': 'error' as const } }]
  return linter.verify(code, config, { filename: join(ROOT, path) }).map((message) => message.message)
}

describe('the layers lint rule', () => {
  test('refuses an import up the layers, naming both files and layers', () => {
    expect(layerErrors('src/dsl/ktable.ts', "import { StreamTask } from '../runtime/stream-task.js'\n")).toEqual([
      'src/dsl/ktable.ts (dsl) may not import src/runtime/stream-task.ts (runtime): imports go down the layers (ARCHITECTURE.md)',
    ])
    expect(layerErrors('src/serde/json.ts', "export type { Topology } from '../topology/topology.js'\n")).toHaveLength(1)
    expect(layerErrors('src/state/stores.ts', "const m = await import('../dsl/kstream.js')\n")).toHaveLength(1)
  })

  test('refuses a sideways import between parts of one floor', () => {
    expect(layerErrors('src/sinks/postgres/sql.ts', "import '../../testing/test-topics.js'\n")[0]).toMatch(/same floor/)
  })

  test('lets imports go down, within a part, and to packages', () => {
    expect(layerErrors('src/runtime/stream-task.ts', "import { Record } from '../processor/record.js'\nimport { x } from './wire-records.js'\nimport pg from 'pg'\n")).toEqual([])
    expect(layerErrors('src/index.ts', "export { KafkaStreams } from './runtime/kafka/kafka-streams.js'\n")).toEqual([])
  })

  test('a file under src/ in no layer is named', () => {
    expect(layerErrors('src/misc/helper.ts', '')).toEqual(['src/misc/helper.ts is in no layer of src/: add its folder to eslint/layers.js and ARCHITECTURE.md'])
  })

  test("the shipped topologies and the demo use the entry points, not Sluice's internals", () => {
    expect(layerErrors('topologies/category-counts.ts', "import { KStream } from '../src/dsl/kstream.js'\n")[0]).toMatch(/may not import Sluice's internals/)
    expect(layerErrors('demo/main.ts', "import { serdes } from 'sluice'\nimport { writeToKafka } from './generator/kafka-writer.js'\n")).toEqual([])
    expect(layerErrors('conformance/cases/session-count/topology.ts', "import { KStream } from '../../../src/dsl/kstream.js'\n")[0]).toMatch(/may not import Sluice's internals/)
  })

  test('the project configuration turns the rule on for src/, topologies/, demo/ and the conformance cases', () => {
    const entries = projectConfig.filter((entry) => entry.rules?.['sluice/layers'] === 'error')
    expect(entries.flatMap((entry) => entry.files ?? [])).toEqual(expect.arrayContaining(['src/**/*.ts', 'topologies/**/*.ts', 'demo/**/*.ts', 'conformance/cases/**/*.ts']))
  })
})
