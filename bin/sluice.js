#!/usr/bin/env node
// Sluice runs from TypeScript sources (its own and the user's topology files) through tsx.
// `run` and `sink` stop gracefully on SIGTERM / SIGINT. One that arrives while they are still
// loading (before their own handlers exist) must not kill them by signal: remember it.
if (process.argv[2] === 'run' || process.argv[2] === 'sink') {
  const remember = (signal) => {
    globalThis.sluiceEarlySignal ??= signal
  }
  process.on('SIGTERM', remember).on('SIGINT', remember)
}

// Loaded after the handlers above: a static import would run first.
const { register } = await import('tsx/esm/api')
register()
await import('../src/cli/main.ts')
