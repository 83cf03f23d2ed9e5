import { KafkaStreams } from '../runtime/kafka/kafka-streams.js'
import { resetApplication } from '../runtime/kafka/application-reset.js'
import { loadTopology } from './load-topology.js'
import { parseCommand, streamsConfigFrom } from './options.js'

const USAGE = `Usage: sluice <command> [options]

Commands:
  describe <topology.ts>        print sub-topologies, processors, stores and internal topics
  run <topology.ts>             run the topology on Kafka until SIGTERM / SIGINT
  reset <topology.ts> --yes     start over: offsets to earliest, internal topics and local state deleted
  help                          show this text

Options (environment variable in brackets):
  --brokers host:port,...       Kafka bootstrap brokers [SLUICE_BROKERS] (default localhost:9092)
  --state-dir dir               local state root [SLUICE_STATE_DIR] (default state)
  --guarantee g                 at_least_once | exactly_once [SLUICE_GUARANTEE]
  --offset-reset r              earliest | latest, without committed offsets [SLUICE_OFFSET_RESET]
  --dead-letter-topic t         send failing records there instead of stopping [SLUICE_DEAD_LETTER_TOPIC]
  --commit-interval ms          commit interval [SLUICE_COMMIT_INTERVAL_MS]
  --backend b                   leveldb | memory | rocksdb [SLUICE_BACKEND]
`

async function run(file: string, config: ReturnType<typeof streamsConfigFrom>): Promise<never> {
  const streams = new KafkaStreams(await loadTopology(file), config)
  const stop = (signal: string): void => {
    streams.config.log(`${signal}: shutting down`)
    void streams.close()
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
  await streams.start()
  await streams.whenStopped()
  if (streams.error) process.stderr.write(`sluice: ${streams.error.message}\n`)
  // Exit explicitly: a stopped application must not linger on a client's leftover timers.
  process.exit(streams.error ? 1 : 0)
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === 'help' || command === '--help') {
    process.stdout.write(USAGE)
    return command === undefined ? 1 : 0
  }
  const { values, positionals } = parseCommand(rest)
  const file = positionals[0]
  if (!file) throw new Error(`${command} needs a topology file, e.g. sluice ${command} topologies/category-counts.ts`)
  switch (command) {
    case 'describe':
      process.stdout.write((await loadTopology(file)).describe())
      return 0
    case 'run':
      return run(file, streamsConfigFrom(values))
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
