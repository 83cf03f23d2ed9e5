import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { KafkaStreams } from 'sluice'
import { countingApp } from './fixtures/counting-app.js'
import { runSluice } from './run-sluice.js'

const APP = fileURLToPath(new URL('./fixtures/counting-app.ts', import.meta.url))
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
const HINT = 'Run sluice --help for the commands'

describe('sluice answers --version, help and unknown commands properly', () => {
  test.each(['--version', '-V', 'version'])('%s prints the version from package.json', async (flag) => {
    const result = await runSluice([flag])
    expect([result.code, result.stdout, result.stderr]).toEqual([0, `sluice ${VERSION}\n`, ''])
  })

  test.each(['-h', '--help', 'help'])('%s prints the usage (exit 0)', async (flag) => {
    const result = await runSluice([flag])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^Usage: sluice <command>/)
    expect(result.stdout).toContain('--commit-interval ms')
  })

  test('no command: the usage on stderr, exit 2', async () => {
    const result = await runSluice([])
    expect([result.code, result.stdout]).toEqual([2, ''])
    expect(result.stderr).toMatch(/^Usage: sluice <command>/)
  })

  test.each(['frobnicate', '--frobnicate', 'topologies/category-counts.ts'])('an unknown command %j: "unknown command", exit 2', async (command) => {
    const result = await runSluice([command, APP])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`sluice: unknown command "${command}"`)
    expect(result.stderr).toContain(HINT)
    expect(result.stderr).not.toContain('needs a topology file')
  })

  test.each(['describe', 'store', 'run', 'sink', 'reset', 'generate', 'schema'])('%s --help and help %s print that command\'s own usage', async (command) => {
    for (const args of [[command, '--help'], [command, APP, '-h'], ['help', command]]) {
      const result = await runSluice(args)
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
      expect(result.stdout).toMatch(new RegExp(`^Usage: sluice ${command}`))
    }
  })

  test('an option a command does not take is an error naming it (exit 2), and a missing file says what is needed', async () => {
    const generate = await runSluice(['generate', '--seed', '-1'])
    expect(generate.code).toBe(2)
    expect(generate.stderr).toContain("Option '--seed' argument is ambiguous")
    const unknown = await runSluice(['describe', APP, '--yes'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("describe: Unknown option '--yes'")
    const missing = await runSluice(['describe'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('describe needs a topology file')
    const unconfirmed = await runSluice(['reset', APP])
    expect(unconfirmed.code).toBe(2)
    expect(unconfirmed.stderr).toContain('confirm with --yes')
  })
})

describe('numeric flags and SLUICE_* variables are checked, the error names them', () => {
  const flags: [string, string, RegExp][] = [
    ['--commit-interval', 'abc', /--commit-interval must be a whole number of milliseconds, from 1 to 2147483647; got "abc"/],
    ['--commit-interval', '0', /--commit-interval must be a whole number/],
    ['--commit-interval', '1.5', /--commit-interval must be a whole number/],
    ['--commit-interval', '0x10', /--commit-interval must be a whole number/],
    ['--commit-interval', '', /--commit-interval must be a whole number/],
    ['--commit-interval', '99999999999', /--commit-interval must be a whole number/],
    ['--update-cache', '-1', /--update-cache must be a whole number of entries, at least 0; got "-1"/],
    ['--session-timeout', 'abc', /--session-timeout must be a whole number of milliseconds/],
    ['--query-port', '70000', /--query-port must be a whole number of a port \(0: any free one\), from 0 to 65535; got "70000"/],
    ['--brokers', 'localhost', /--brokers must be a comma-separated list of host:port; got "localhost"/],
    ['--guarantee', 'twice', /--guarantee must be one of at_least_once, exactly_once; got "twice"/],
    ['--max-future-timestamp-skew', 'abc', /--max-future-timestamp-skew must be a whole number of milliseconds, at least 0, or Infinity \(0 or Infinity: no check\); got "abc"/],
    ['--max-future-timestamp-skew', '-1', /--max-future-timestamp-skew must be a whole number/],
    ['--max-future-timestamp-skew', '1.5', /--max-future-timestamp-skew must be a whole number/],
    ['--query-allowed-hosts', '', /--query-allowed-hosts must be a comma-separated list of host names, none empty; got ""/],
    ['--query-allowed-hosts', 'a,,b', /--query-allowed-hosts must be a comma-separated list/],
    ['--metrics-host', '', /--metrics-host must not be empty/],
  ]
  test.each(flags)('run %s %j: exit 2', async (flag, value, message) => {
    const result = await runSluice(['run', APP, `${flag}=${value}`])
    expect(result.code, result.stderr).toBe(2)
    expect(result.stderr).toMatch(message)
  })

  const variables: [string, string][] = [
    ['SLUICE_COMMIT_INTERVAL_MS', 'abc'],
    ['SLUICE_SESSION_TIMEOUT_MS', 'abc'],
    ['SLUICE_UPDATE_CACHE_MAX_ENTRIES', 'many'],
    ['SLUICE_QUERY_PORT', '-1'],
    ['SLUICE_BROKERS', ''],
    ['SLUICE_GUARANTEE', 'maybe'],
    ['SLUICE_BACKEND', 'paper'],
    ['SLUICE_STATE_DIR', ''],
    ['SLUICE_MAX_FUTURE_TIMESTAMP_SKEW_MS', 'tomorrow'],
    ['SLUICE_STARTUP_TIMEOUT_MS', '0'],
    ['SLUICE_STARTUP_TIMEOUT_MS', 'abc'],
    ['SLUICE_QUERY_ALLOWED_HOSTS', ' , '],
  ]
  test.each(variables)('run with %s=%j: exit 2, the variable named', async (name, value) => {
    const result = await runSluice(['run', APP], { [name]: value })
    expect(result.code, result.stderr).toBe(2)
    expect(result.stderr).toMatch(new RegExp(`sluice: ${name} must `))
  })

  test.each([
    ['--limit', '0', /--limit must be a whole number of entries, from 1 to 10000; got "0"/],
    ['--limit', '10001', /--limit must be a whole number of entries, from 1 to 10000/],
    ['--limit', 'ten', /--limit must be a whole number/],
    ['--cursor', '', /--cursor must not be empty/],
  ])('store %s %j: exit 2, before any store is read', async (flag, value, message) => {
    const result = await runSluice(['store', APP, 'range', 'counts', `${flag}=${value}`, '--state-dir', '/nonexistent-sluice-state'])
    expect(result.code, result.stderr).toBe(2)
    expect(result.stderr).toMatch(message)
  })

  test('each command takes its own query options: run the server\'s, store the client\'s', async () => {
    for (const [command, flag] of [['store', '--query-allowed-hosts'], ['store', '--max-future-timestamp-skew'], ['reset', '--query-token'], ['describe', '--limit']]) {
      const result = await runSluice([command, APP, `${flag}=x`])
      expect(result.code, `${command} ${flag}`).toBe(2)
      expect(result.stderr).toContain(`${command}: Unknown option '${flag}'`)
    }
    for (const flag of ['--query-token', '--query-allowed-hosts', '--max-future-timestamp-skew', '--query-port', '--metrics-host']) expect((await runSluice(['run', '--help'])).stdout).toContain(flag)
    for (const flag of ['--query-token', '--limit', '--cursor', '--url', '--json', '--from', '--to']) expect((await runSluice(['store', '--help'])).stdout).toContain(flag)
  })

  test('a flag wins over its variable, and the flag is what the error names', async () => {
    const result = await runSluice(['run', APP, '--commit-interval', 'x'], { SLUICE_COMMIT_INTERVAL_MS: '1000' })
    expect(result.stderr).toContain('--commit-interval must be')
  })

  test.each([
    ['--count', 'abc'],
    ['--count', '1.5'],
    ['--seed', '-1'],
    ['--users', '0'],
    ['--fraud-rate', '2'],
    ['--rate', '0'],
  ])('generate %s %j: exit 2', async (flag, value) => {
    const result = await runSluice(['generate', `${flag}=${value}`, '--to', 'jsonl', '--file', '-'])
    expect(result.code, result.stderr).toBe(2)
    expect(result.stderr).toContain(`${flag} must be`)
    expect(result.stdout).toBe('')
  })

  test('in code, StreamsConfig numbers are checked too', () => {
    const topology = countingApp('config-check')
    for (const [name, value] of [
      ['commitIntervalMs', NaN],
      ['commitIntervalMs', 0],
      ['sessionTimeoutMs', 1.5],
      ['updateCacheMaxEntries', -1],
      ['queryPort', 65_536],
      ['purgeIntervalMs', Infinity],
      ['startupTimeoutMs', 0],
      ['startupTimeoutMs', NaN],
    ] as const) {
      expect(() => new KafkaStreams(topology, { brokers: ['localhost:9092'], [name]: value }), name).toThrow(`StreamsConfig.${name} must be a whole number`)
    }
    expect(() => new KafkaStreams(topology, { brokers: [] })).toThrow('StreamsConfig.brokers must list at least one host:port')
  })
})
