import { KafkaStreams } from '../runtime/kafka/kafka-streams.js'
import { resetApplication } from '../runtime/kafka/application-reset.js'
import { PostgresSink } from '../sinks/postgres/postgres-sink.js'
import { describeCommand } from './describe-command.js'
import { generateCommand } from './generate-command.js'
import { loadSinkConfig, loadTopology } from './load-topology.js'
import { parseCommand, streamsConfigFrom } from './options.js'
import { schemaCommand } from './schema-command.js'
import { storeCommand } from './store-command.js'

const USAGE = `Usage: sluice <command> [options]

Commands:
  describe <topology.ts>        print sub-topologies, processors, stores and internal topics (--dot: Graphviz, --mermaid: Mermaid)
  store <topology.ts> <sub>     read state stores: ls | get <store> <key> | range <store> [--from k] [--to k]
                                | prefix <store> <p> | fetch <store> [key] [--from t] [--to t] | count <store>
                                (--json; --url http://127.0.0.1:port for a running app, else local files;
                                all entries page by page, or --limit n for one page and --cursor c for the next)
  run <topology.ts>             run the topology on Kafka until SIGTERM / SIGINT
  sink <sink.ts>                run a PostgreSQL sink (exactly once) until SIGTERM / SIGINT
  reset <topology.ts> --yes     start over: offsets to earliest, internal topics and local state deleted
  generate [options]            write test transactions with labelled fraud (sluice generate --help)
  schema check <topology.ts>    check the topology's Avro schemas against the registry or .avsc files (sluice schema --help)
  help                          show this text

Options (environment variable in brackets):
  --brokers host:port,...       Kafka bootstrap brokers [SLUICE_BROKERS] (default localhost:9092)
  --state-dir dir               local state root [SLUICE_STATE_DIR] (default state)
  --guarantee g                 at_least_once | exactly_once [SLUICE_GUARANTEE]
  --offset-reset r              earliest | latest, without committed offsets [SLUICE_OFFSET_RESET]
  --dead-letter-topic t         send failing records there instead of stopping [SLUICE_DEAD_LETTER_TOPIC]
  --commit-interval ms          commit interval [SLUICE_COMMIT_INTERVAL_MS]
  --update-cache n              aggregation updates held per task until commit, latest per key;
                                0 forwards every update [SLUICE_UPDATE_CACHE_MAX_ENTRIES] (default 10000)
  --update-cache-bytes b        ... and at most b bytes of them per aggregation and task (e.g. 8MiB, 512KiB)
                                [SLUICE_UPDATE_CACHE_MAX_BYTES] (default 8MiB)
  --store-cache-bytes b         each store's write-back cache bound; dirty bytes over half of it commit
                                [SLUICE_STORE_CACHE_MAX_BYTES] (default 32MiB)
  --send-buffer-bytes b         unacknowledged (exactly-once: uncommitted) outputs past this commit early
                                [SLUICE_SEND_BUFFER_MAX_BYTES] (default 32MiB)
  --backend b                   leveldb | memory | rocksdb [SLUICE_BACKEND]
  --max-future-timestamp-skew ms  refuse event times further ahead of the wall clock (dead letter or fail);
                                0 or Infinity: no check [SLUICE_MAX_FUTURE_TIMESTAMP_SKEW_MS] (default 86400000)
  --sink sink.ts                with run: also run this PostgreSQL sink in the same process (repeatable)
  --query-port p                with run: serve read-only store queries on 127.0.0.1:p [SLUICE_QUERY_PORT]
  --query-token t               with run: queries need "Authorization: Bearer t"; with store: send it [SLUICE_QUERY_TOKEN]
  --query-allowed-hosts h,...   with run: Host names accepted besides loopback ones [SLUICE_QUERY_ALLOWED_HOSTS]
`

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

function sinkPart(sink: PostgresSink) {
  return { log: (message: string) => process.stderr.write(`${message}\n`), start: () => sink.start(), stop: () => sink.stop(), stopped: () => sink.whenStopped(), error: () => sink.error }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === 'help' || command === '--help') {
    process.stdout.write(USAGE)
    return command === undefined ? 1 : 0
  }
  if (command === 'generate') return generateCommand(rest)
  if (command === 'schema') return schemaCommand(rest)
  const { values, positionals } = parseCommand(rest)
  const file = positionals[0]
  if (!file) throw new Error(`${command} needs a topology file, e.g. sluice ${command} topologies/category-counts.ts`)
  switch (command) {
    case 'describe':
      process.stdout.write(describeCommand(await loadTopology(file), values))
      return 0
    case 'store': {
      const config = streamsConfigFrom(values)
      const log = (message: string): void => void process.stderr.write(`${message}\n`)
      const write = (text: string): void => void process.stdout.write(text)
      const { url, json, from, to, limit, cursor } = values
      const options = { stateDir: config.stateDir ?? 'state', backend: config.backend ?? 'leveldb', url, token: config.queryToken, json, from, to, limit, cursor, log, write }
      await storeCommand(await loadTopology(file), positionals.slice(1), options)
      return 0
    }
    case 'run': {
      const streams = new KafkaStreams(await loadTopology(file), streamsConfigFrom(values))
      const sinks = await Promise.all((values.sink ?? []).map(async (sinkFile) => new PostgresSink(await loadSinkConfig(sinkFile))))
      return untilStopped([streamsPart(streams), ...sinks.map(sinkPart)])
    }
    case 'sink':
      return untilStopped([sinkPart(new PostgresSink(await loadSinkConfig(file)))])
    case 'reset': {
      if (!values.yes) throw new Error('reset deletes internal topics and local state; confirm with --yes')
      const config = streamsConfigFrom(values)
      await resetApplication(await loadTopology(file), { brokers: config.brokers, stateDir: config.stateDir ?? 'state', log: (message) => process.stderr.write(`${message}\n`) })
      return 0
    }
    default:
      process.stderr.write(`Unknown command "${command}"\n\n${USAGE}`)
      return 1
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`sluice: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  },
)
