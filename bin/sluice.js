#!/usr/bin/env node
// Node 22 or later (the LTS lines Sluice supports); in a checkout, scripts/with-node.sh brings one.
if (Number(process.versions.node.split('.')[0]) < 22) {
  process.stderr.write(`sluice: needs Node.js 22 or later, this is ${process.version} (in a checkout: bash scripts/with-node.sh node bin/sluice.js ...)\n`)
  process.exit(1)
}
// `run` and `sink` stop gracefully on SIGTERM / SIGINT. One that arrives while they are still
// loading (before their own handlers exist) must not kill them by signal: remember it.
if (process.argv[2] === 'run' || process.argv[2] === 'sink') {
  const remember = (signal) => {
    globalThis.sluiceEarlySignal ??= signal
  }
  process.on('SIGTERM', remember).on('SIGINT', remember)
}

// Loaded after the handlers above (a static import would run first). The user's topology files
// are TypeScript, run through tsx. In a checkout (src/ beside bin/) Sluice runs from its sources,
// with 'sluice' and its subpaths resolving to them too (scripts/source-entry-points.mjs); an
// installed package runs its compiled dist/.
const { existsSync } = await import('node:fs')
if (existsSync(new URL('../src/cli/main.ts', import.meta.url))) {
  await import('../scripts/source-entry-points.mjs')
  await import('../src/cli/main.ts')
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import('../dist/cli/main.js')
}
