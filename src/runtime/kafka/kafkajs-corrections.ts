// Imported before kafkajs anywhere Sluice uses it (see the import order in those files): puts
// corrected versions of two kafkajs 2.2.4 modules in the module cache, where kafkajs's own
// require() then finds them instead of the originals.
import Module, { createRequire } from 'node:module'
import { filterAbortedMessages } from './kafkajs-aborted-filter.js'
import { groupMessagesPerPartition } from './kafkajs-message-grouping.js'

const require = createRequire(import.meta.url)

/** Installs `exports` as kafkajs's module `path`, unless `loadedBy` (the module requiring it) is already loaded. */
function replaceKafkajsModule(path: string, loadedBy: string, exports: unknown): void {
  const modulePath = require.resolve(`kafkajs/src/${path}`)
  const dependentPath = require.resolve(`kafkajs/src/${loadedBy}`)
  if (require.cache[modulePath]?.exports === exports) return
  if (require.cache[dependentPath] !== undefined) {
    process.emitWarning(`kafkajs was loaded before Sluice could correct its ${path}; import sluice before kafkajs`, { code: 'SLUICE_KAFKAJS_ORDER' })
    return
  }
  const replacement = new Module(modulePath)
  replacement.filename = modulePath
  replacement.loaded = true
  replacement.exports = exports
  require.cache[modulePath] = replacement
}

replaceKafkajsModule('consumer/filterAbortedMessages.js', 'consumer/batch.js', filterAbortedMessages)
replaceKafkajsModule('producer/groupMessagesPerPartition.js', 'producer/sendMessages.js', groupMessagesPerPartition)
