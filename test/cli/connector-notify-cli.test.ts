// `sluice connector` and `sluice notify` without a worker or a broker: usage errors exit 2, an
// unreachable worker or a file that defines nothing of the kind exit 1 with a message naming
// what is wrong. (On the real services: test/integration/debezium-cdc.kafka.test.ts and
// webhook-sink.kafka.test.ts.)
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { runSluice } from './run-sluice.js'

const SHIPPED = fileURLToPath(new URL('../../topologies/transactions-connector.ts', import.meta.url))
const TOPOLOGY = fileURLToPath(new URL('../../topologies/category-counts.ts', import.meta.url))

describe('sluice connector', () => {
  test('--help prints its usage; an unknown action or a missing file is a usage error (exit 2)', async () => {
    const help = await runSluice(['connector', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: sluice connector <register | status | restart | remove>')
    for (const args of [['connector'], ['connector', 'start', SHIPPED], ['connector', 'status']]) {
      const result = await runSluice(args)
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stderr).toContain('connector takes an action (register, status, restart, remove) and a connector file')
    }
  })

  test('an unreachable worker: exit 1, the message names the URL and how to start one', async () => {
    const result = await runSluice(['connector', 'status', SHIPPED, '--connect-url', 'http://127.0.0.1:1'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('GET http://127.0.0.1:1/connectors/transactions-cdc/status: no answer from Kafka Connect')
    expect(result.stderr).toContain('scripts/services.sh up connect')
  })

  test('a file whose default export is no connector definition: exit 1, named', async () => {
    const result = await runSluice(['connector', 'register', TOPOLOGY, '--connect-url', 'http://127.0.0.1:1'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('does not export a connector definition as default')
  })

  test('a --pg-url that is no postgres:// URL is refused before anything is sent', async () => {
    const result = await runSluice(['connector', 'register', SHIPPED, '--connect-url', 'http://127.0.0.1:1', '--pg-url', 'mysql://x@y/z'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('"mysql://x@y/z" is not a postgres:// URL')
  })
})

describe('sluice notify', () => {
  test('--help prints its usage; without a file it says what it needs (exit 2)', async () => {
    const help = await runSluice(['notify', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: sluice notify <notify.ts>')
    const missing = await runSluice(['notify'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('notify needs a webhook sink file, e.g. sluice notify topologies/fraud-alerts-notify.ts')
  })

  test('a file that is no webhook sink: exit 1, named', async () => {
    const result = await runSluice(['notify', TOPOLOGY])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('must export a webhook sink as default')
  })
})
