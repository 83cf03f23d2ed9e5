// `npm run conformance [-- case ...]`: each case's topology on Sluice and on Kafka Streams 4.4
// (Java, conformance/kafka-streams) over the same generated input topics on the local broker
// (SLUICE_BROKERS), each side writing its own output topic; then their final results compared
// record by record. What "final" means (see FinalResults in case.ts):
// - aggregations and tables (session and sliding counts, table-table joins): the last record per
//   key, a tombstone removing it. Both systems forward updates through caches flushed at each
//   commit, so the number of intermediate updates differs by timing; the last per key does not.
// - stream-stream joins: the multiset of (key, value, timestamp): each result is emitted once,
//   matched ones when the second record comes, unmatched ones (left and outer joins) once their
//   window has closed (Kafka Streams 3.1+ emits no spurious early ones).
// Input comes in phases (InputPhase): a phase is produced once both sides have committed every
// offset of the previous one, and a run ends when both have committed all input; then both stop
// and both output topics are read to their end (committed records only). Both sides run
// at-least-once with commits every 100 ms; Kafka Streams without its record cache and with its
// outer-join emit interval at 0, so that its results depend on the input alone (Main.java).
//
// A difference a case declares known (documented, with its reason) is shown and counted but
// fails the run only with --strict; any other difference, or a known one that no longer shows,
// fails it (exit code 1).
//
// Options: --strict; --seed N (default 1); --keep (leave the topics); --perturb NAME=VALUE (give
// the Sluice side another parameter value: the comparison must then fail); --tamper-sluice
// (alter Sluice's last output record before comparing: likewise); --ks-record-cache (Kafka Streams
// with its record cache, which it runs without otherwise: see Main.java).
import { parseArgs } from 'node:util'
import { CASES } from './cases.js'
import { BROKERS } from './kafka.js'
import { buildKafkaStreams } from './kafka-streams.js'
import { printTable } from './report.js'
import { failed, runCase, type Outcome } from './run-case.js'

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { strict: { type: 'boolean', default: false }, seed: { type: 'string', default: '1' }, keep: { type: 'boolean', default: false }, perturb: { type: 'string', multiple: true, default: [] }, 'tamper-sluice': { type: 'boolean', default: false }, 'ks-record-cache': { type: 'boolean', default: false } },
  })
  const unknown = positionals.filter((name) => !CASES.some((candidate) => candidate.name === name))
  if (unknown.length > 0) throw new Error(`unknown case(s) ${unknown.join(', ')}; known: ${CASES.map((candidate) => candidate.name).join(', ')}`)
  const selected = positionals.length > 0 ? CASES.filter((candidate) => positionals.includes(candidate.name)) : CASES
  const perturb = Object.fromEntries(
    values.perturb.map((pair) => {
      const [name, value] = pair.split('=')
      if (!name || value === undefined || !Number.isFinite(Number(value))) throw new Error(`--perturb takes NAME=NUMBER, got ${pair}`)
      return [name, Number(value)]
    }),
  )
  const build = buildKafkaStreams()
  if (build.seconds > 0) console.log(`Maven build: ${build.seconds.toFixed(1)} s`)
  const runId = `conformance-${Date.now().toString(36)}`
  console.log(`${selected.length} case(s), seed ${values.seed}, broker ${BROKERS.join(',')}, run ${runId}`)
  const outcomes: Outcome[] = []
  for (const conformanceCase of selected) {
    process.stdout.write(`  ${conformanceCase.name} ...`)
    try {
      const outcome = await runCase(conformanceCase, { runId, seed: Number(values.seed), classpath: build.classpath, keep: values.keep, perturb, tamperSluice: values['tamper-sluice'], ksRecordCache: values['ks-record-cache'] })
      outcomes.push(outcome)
      console.log(` ${outcome.seconds.toFixed(1)} s`)
    } catch (error) {
      outcomes.push({ name: conformanceCase.name, inputRecords: 0, sluiceLateDropped: 0, sluice: 0, kafkaStreams: 0, unexpected: [], known: [], stale: [], seconds: 0, error: (error as Error).message })
      console.log(' error')
    }
  }
  printTable(outcomes, values.strict)
  const failures = outcomes.filter((outcome) => failed(outcome, values.strict))
  if (failures.length > 0) {
    console.log(`\nconformance: ${failures.length} of ${outcomes.length} case(s) FAILED: ${failures.map((outcome) => outcome.name).join(', ')}`)
    process.exitCode = 1
  } else console.log(`\nconformance: all ${outcomes.length} case(s) match Kafka Streams`)
}

await main()
