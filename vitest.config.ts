import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  // The package's entry points, from source (a regular expression so that 'sluice' does not also catch 'sluice/testing').
  resolve: {
    alias: [
      { find: /^sluice$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      ...['testing', 'postgres', 'avro', 'debezium'].map((entry) => ({ find: `sluice/${entry}`, replacement: fileURLToPath(new URL(`./src/${entry}.ts`, import.meta.url)) })),
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
})
