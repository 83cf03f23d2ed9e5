// Runs a checkout's TypeScript with no build step: the package's own entry points ('sluice',
// 'sluice/testing', 'sluice/postgres', ...) resolve to their sources under src/ (package.json's
// "exports" name the compiled dist/, which a checkout need not have), and tsx compiles the
// TypeScript. Every import of 'sluice' then reaches the same modules as the CLI's own imports,
// so instanceof checks hold.
//
//   node --import ./scripts/source-entry-points.mjs demo/main.ts
//
// bin/sluice.js imports this file itself when it runs in a checkout. It is not shipped: an
// installed package runs dist/.
import { readFileSync } from 'node:fs'
import * as nodeModule from 'node:module'

// The same file, loaded a second time as the resolve hook (module hooks run on their own thread).
const AS_HOOK = '?resolve-hook'

/** 'sluice/testing' -> file:///.../src/testing.ts, from the exports' "./testing" -> "./dist/testing.js". */
function sourceEntryPoints() {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  const entries = new Map()
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    const compiled = typeof target === 'string' ? target : target.default
    const match = /^\.\/dist\/(.+)\.js$/.exec(compiled)
    if (!match) throw new Error(`package.json: exports["${subpath}"] is not a file under dist/: ${compiled}`)
    entries.set(manifest.name + subpath.slice(1), new URL(`../src/${match[1]}.ts`, import.meta.url).href)
  }
  return entries
}

let entries

/** Sluice's bare specifiers to its sources; anything else to the next hook. */
function resolveSync(specifier, context, nextResolve) {
  entries ??= sourceEntryPoints()
  const source = entries.get(specifier)
  return source === undefined ? nextResolve(specifier, context) : { url: source, shortCircuit: true }
}

/** The same, as an off-thread hook for Node.js lines without registerHooks (node:module register). */
export async function resolve(specifier, context, nextResolve) {
  return resolveSync(specifier, context, nextResolve)
}

if (!import.meta.url.endsWith(AS_HOOK)) {
  // In-thread hooks where Node.js has them (22.15+; register() is deprecated from 26 on).
  if (typeof nodeModule.registerHooks === 'function') nodeModule.registerHooks({ resolve: resolveSync })
  else nodeModule.register(import.meta.url + AS_HOOK)
  // Registered after the hook above, so tsx's resolve runs first and hands bare specifiers on to it.
  await import('tsx')
}
