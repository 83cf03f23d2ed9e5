import { readFile } from 'node:fs/promises'
import { messageOf } from '../errors.js'
import { KafkaStreams } from '../runtime/kafka/kafka-streams.js'
import { resetApplication } from '../runtime/kafka/application-reset.js'
import { PostgresSink } from '../sinks/postgres/postgres-sink.js'
import { WebhookSink } from '../sinks/webhook/webhook-sink.js'
import { COMMAND_USAGES, isTopologyCommand, USAGE } from './commands.js'
import { CONNECTOR_USAGE, connectorCommand } from './connector-command.js'
import { CONSOLE_USAGE, consoleCommand, consolePart } from './console-command.js'
import { describeCommand } from './describe-command.js'
import { GENERATE_USAGE, generateCommand } from './generate-command.js'
import { INIT_USAGE, initCommand, type InitPackage } from './init-command.js'
import { LAG_USAGE, lagCommand } from './lag-command.js'
import { loadSinkConfig, loadTopology, loadWebhookSinkConfig } from './load-topology.js'
import { parseCommand, streamsConfigFrom } from './options.js'
import { SCHEMA_USAGE, schemaCommand } from './schema-command.js'
import { integerSetting, InvalidSettingError, settingOf } from './setting.js'
import { storeCommand } from './store-command.js'

/**
 * Runs until SIGTERM / SIGINT or a fatal error, then exits (a client's leftover timers must not
 * keep it alive). A part failing to start stops the parts already started, logs the error and
 * exits with 1: never an unhandled rejection, never a process left running half started.
 */
async function untilStopped(parts: { log: (message: string) => void; start(): Promise<void>; stop(): Promise<void>; stopped(): Promise<void>; error(): Error | undefined }[]): Promise<never> {
  let stopping: Promise<unknown> | undefined
  const failures: Error[] = []
  const record = (error: unknown): void => void failures.push(error instanceof Error ? error : new Error(String(error)))
  const stopAll = (): Promise<unknown> => (stopping ??= Promise.all(parts.map((part) => part.stop().catch(record))))
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      parts[0]?.log(`${signal}: shutting down`)
      void stopAll()
    })
  }
  // A signal received while the command was loading (see bin/sluice.js): stop before starting.
  const early = (globalThis as { sluiceEarlySignal?: string }).sluiceEarlySignal
  if (early) {
    parts[0]?.log(`${early} while starting: not starting`)
    process.exit(0)
  }
  try {
    for (const part of parts) await part.start()
    // One part stopping on an error stops the others.
    await Promise.race(parts.map((part) => part.stopped()))
  } catch (error) {
    record(error)
  }
  await stopAll()
  const errors = [...new Set([...failures, ...parts.flatMap((part) => (part.error() ? [part.error() as Error] : []))])]
  for (const error of errors) process.stderr.write(`sluice: ${error.message}\n`)
  process.exit(errors.length > 0 ? 1 : 0)
}

function streamsPart(streams: KafkaStreams) {
  return { log: streams.config.log, start: () => streams.start(), stop: () => streams.close(), stopped: () => streams.whenStopped(), error: () => streams.error }
}

function sinkPart(sink: PostgresSink | WebhookSink<unknown, unknown>) {
  return { log: (message: string) => process.stderr.write(`${message}\n`), start: () => sink.start(), stop: () => sink.stop(), stopped: () => sink.whenStopped(), error: () => sink.error }
}

/** A mistake in how the command was called: exit code 2 (like a shell's usage error), with a hint. */
class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** parseArgs' own errors (unknown option, missing value) are usage errors. */
function isParseArgsError(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code?.toString().startsWith('ERR_PARSE_ARGS') === true
}

const HELP = new Set(['--help', '-h'])
const VERSION = new Set(['--version', '-V', 'version'])

/** This package's name and version, from its package.json. */
async function thisPackage(): Promise<InitPackage> {
  const { name, version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as InitPackage
  return { name, version }
}

/** True when the arguments ask for help (before a `--`, after which everything is a positional). */
function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--')
  return (end < 0 ? args : args.slice(0, end)).some((arg) => HELP.has(arg))
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined) {
    process.stderr.write(USAGE)
    return 2
  }
  if (HELP.has(command) || command === 'help') {
    const about = rest[0]
    if (about === undefined) process.stdout.write(USAGE)
    else if (isTopologyCommand(about)) process.stdout.write(COMMAND_USAGES[about])
    else if (about === 'generate') process.stdout.write(GENERATE_USAGE)
    else if (about === 'schema') process.stdout.write(SCHEMA_USAGE)
    else if (about === 'init') process.stdout.write(INIT_USAGE)
    else if (about === 'lag') process.stdout.write(LAG_USAGE)
    else if (about === 'connector') process.stdout.write(CONNECTOR_USAGE)
    else if (about === 'console') process.stdout.write(CONSOLE_USAGE)
    else throw new UsageError(`unknown command "${about}"`)
    return 0
  }
  if (VERSION.has(command)) {
    process.stdout.write(`sluice ${(await thisPackage()).version}\n`)
    return 0
  }
  if (command === 'generate') return asksForHelp(rest) ? (process.stdout.write(GENERATE_USAGE), 0) : generateCommand(rest)
  if (command === 'schema') return asksForHelp(rest) ? (process.stdout.write(SCHEMA_USAGE), 0) : schemaCommand(rest)
  if (command === 'lag') return asksForHelp(rest) ? (process.stdout.write(LAG_USAGE), 0) : lagCommand(rest, (text) => void process.stdout.write(text))
  if (command === 'connector') {
    if (asksForHelp(rest)) return process.stdout.write(CONNECTOR_USAGE), 0
    return connectorCommand(rest, (text) => void process.stdout.write(text), (text) => void process.stderr.write(`${text}\n`))
  }
  if (command === 'console') return asksForHelp(rest) ? (process.stdout.write(CONSOLE_USAGE), 0) : consoleCommand(rest, (text) => void process.stderr.write(`${text}\n`))
  if (command === 'init') return asksForHelp(rest) ? (process.stdout.write(INIT_USAGE), 0) : initCommand(rest, await thisPackage())
  if (!isTopologyCommand(command)) throw new UsageError(`unknown command "${command}"`)
  if (asksForHelp(rest)) {
    process.stdout.write(COMMAND_USAGES[command])
    return 0
  }
  let parsed: ReturnType<typeof parseCommand>
  try {
    parsed = parseCommand(command, rest)
  } catch (error) {
    if (isParseArgsError(error)) throw new UsageError(`${command}: ${messageOf(error)}`)
    throw error
  }
  const { values, positionals } = parsed
  const file = positionals[0]
  const examples = { sink: 'topologies/fraud-metrics-sink.ts', notify: 'topologies/fraud-alerts-notify.ts' } as const
  const what = command === 'sink' ? 'sink' : command === 'notify' ? 'webhook sink' : 'topology'
  if (!file) throw new UsageError(`${command} needs a ${what} file, e.g. sluice ${command} ${command === 'sink' || command === 'notify' ? examples[command] : 'topologies/category-counts.ts'}`)
  const flag = (name: string): boolean => values[name] === true
  switch (command) {
    case 'describe':
      if (positionals.length > 1) throw new UsageError(`describe takes one topology file, got ${positionals.length} arguments`)
      process.stdout.write(describeCommand(await loadTopology(file), { dot: flag('dot'), mermaid: flag('mermaid') }))
      return 0
    case 'store': {
      const config = streamsConfigFrom(values)
      const log = (message: string): void => void process.stderr.write(`${message}\n`)
      const text = (name: string): string | undefined => (typeof values[name] === 'string' ? (values[name] as string) : undefined)
      const write = (output: string): void => void process.stdout.write(output)
      const options = {
        stateDir: config.stateDir ?? 'state',
        backend: config.backend ?? 'leveldb',
        url: text('url'),
        token: config.queryToken,
        json: flag('json'),
        from: text('from'),
        to: text('to'),
        limit: text('limit'),
        cursor: text('cursor'),
        log,
        write,
      }
      await storeCommand(await loadTopology(file), positionals.slice(1), options)
      return 0
    }
    case 'run': {
      const config = streamsConfigFrom(values)
      const streams = new KafkaStreams(await loadTopology(file), config)
      const sinkFiles = Array.isArray(values.sink) ? values.sink : []
      const notifyFiles = Array.isArray(values.notify) ? values.notify : []
      const sinks = [
        ...(await Promise.all(sinkFiles.map(async (sinkFile) => new PostgresSink(await loadSinkConfig(sinkFile))))),
        ...(await Promise.all(notifyFiles.map(async (notifyFile) => new WebhookSink(await loadWebhookSinkConfig(notifyFile))))),
      ]
      // The sinks' metrics are served with the application's (--metrics-port, and the console's /metrics).
      for (const sink of sinks) streams.addMetrics(sink.metrics)
      const consoleFlag = typeof values['console-port'] === 'string' ? values['console-port'] : undefined
      const consolePort = integerSetting(settingOf('console-port', consoleFlag, 'SLUICE_CONSOLE_PORT'), { min: 0, max: 65535, unit: 'a port (0: any free one)' })
      const consoleHost = settingOf('console-host', typeof values['console-host'] === 'string' ? values['console-host'] : undefined, 'SLUICE_CONSOLE_HOST')?.text
      return untilStopped([...(consolePort === undefined ? [] : [consolePart(streams, consolePort, consoleHost)]), streamsPart(streams), ...sinks.map(sinkPart)])
    }
    case 'sink': {
      const flagValue = typeof values['metrics-port'] === 'string' ? values['metrics-port'] : undefined
      const metricsPort = integerSetting(settingOf('metrics-port', flagValue, 'SLUICE_METRICS_PORT'), { min: 0, max: 65535, unit: 'a port (0: any free one)' })
      const config = await loadSinkConfig(file)
      return untilStopped([sinkPart(new PostgresSink(metricsPort === undefined ? config : { ...config, metricsPort }))])
    }
    case 'notify': {
      const flagValue = typeof values['metrics-port'] === 'string' ? values['metrics-port'] : undefined
      const metricsPort = integerSetting(settingOf('metrics-port', flagValue, 'SLUICE_METRICS_PORT'), { min: 0, max: 65535, unit: 'a port (0: any free one)' })
      const config = await loadWebhookSinkConfig(file)
      return untilStopped([sinkPart(new WebhookSink(metricsPort === undefined ? config : { ...config, metricsPort }))])
    }
    case 'reset': {
      if (!flag('yes')) throw new UsageError('reset deletes internal topics and local state; confirm with --yes')
      const config = streamsConfigFrom(values)
      await resetApplication(await loadTopology(file), { brokers: config.brokers, stateDir: config.stateDir ?? 'state', log: (message) => process.stderr.write(`${message}\n`) })
      return 0
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`sluice: ${messageOf(error)}\n`)
    const usage = error instanceof UsageError || error instanceof InvalidSettingError || isParseArgsError(error)
    if (usage) process.stderr.write('Run sluice --help for the commands, sluice <command> --help for their options.\n')
    process.exitCode = usage ? 2 : 1
  },
)
