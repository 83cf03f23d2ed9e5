// Imported before kafkajs anywhere Sluice uses it (see the import order in those files): puts
// corrected versions of two kafkajs 2.2.4 modules in the module cache, where kafkajs's own
// require() then finds them instead of the originals, and clamps one timeout (kafkajs-throttle-check.ts).
//
// Sluice's kafkajs is a copy of its own, the package alias `sluice-kafkajs` (npm:kafkajs@<exact
// version>): a user's `kafkajs` is another module, which these corrections never touch and whose
// load order does not matter to Sluice.
import Module, { createRequire } from 'node:module'
import { filterAbortedMessages } from './kafkajs-aborted-filter.js'
import { groupMessagesPerPartition } from './kafkajs-message-grouping.js'
import { clampThrottleCheck } from './kafkajs-throttle-check.js'

const require = createRequire(import.meta.url)

/** The kafkajs release the corrections were written against (and that package.json pins). */
export const CORRECTED_KAFKAJS_VERSION = '2.2.4'

/** Why a correction is not in force; empty when both are. */
const problems: string[] = []

/** Installs `exports` as kafkajs's module `path`, unless `loadedBy` (the module requiring it) is already loaded. */
function replaceKafkajsModule(path: string, loadedBy: string, exports: unknown): void {
  const modulePath = require.resolve(`sluice-kafkajs/src/${path}`)
  const dependentPath = require.resolve(`sluice-kafkajs/src/${loadedBy}`)
  if (require.cache[modulePath]?.exports === exports) return
  if (require.cache[dependentPath] !== undefined) {
    problems.push(`Sluice's kafkajs loaded its ${loadedBy} before Sluice could correct its ${path}`)
    return
  }
  const replacement = new Module(modulePath)
  replacement.filename = modulePath
  replacement.loaded = true
  replacement.exports = exports
  require.cache[modulePath] = replacement
}

const version = (require('sluice-kafkajs/package.json') as { version: string }).version
if (version !== CORRECTED_KAFKAJS_VERSION) {
  problems.push(`Sluice's kafkajs is ${version}, its corrections were written against ${CORRECTED_KAFKAJS_VERSION}`)
} else {
  replaceKafkajsModule('consumer/filterAbortedMessages.js', 'consumer/batch.js', filterAbortedMessages)
  replaceKafkajsModule('producer/groupMessagesPerPartition.js', 'producer/sendMessages.js', groupMessagesPerPartition)
  clampThrottleCheck(require('sluice-kafkajs/src/network/requestQueue/index.js') as Parameters<typeof clampThrottleCheck>[0])
}

/** What keeps the corrections from being in force (empty: both are), checked afresh against the module cache. */
export function kafkajsCorrectionProblems(): string[] {
  const found = [...problems]
  const inCache = (path: string, exports: unknown): boolean => require.cache[require.resolve(`sluice-kafkajs/src/${path}`)]?.exports === exports
  if (found.length === 0 && !inCache('consumer/filterAbortedMessages.js', filterAbortedMessages)) found.push("kafkajs's aborted-transaction filter is not the corrected one")
  if (found.length === 0 && !inCache('producer/groupMessagesPerPartition.js', groupMessagesPerPartition)) found.push("kafkajs's message grouping is not the corrected one")
  return found
}

/**
 * Exactly-once reads with kafkajs's read-committed filter, whose 2.2.4 original lets records of
 * aborted transactions through: without the correction, `what` would count them. Refuses then.
 */
export function requireKafkajsCorrections(what: string): void {
  const found = kafkajsCorrectionProblems()
  if (found.length > 0) throw new Error(`${what} needs Sluice's kafkajs corrections, which are not in force: ${found.join('; ')}`)
}
