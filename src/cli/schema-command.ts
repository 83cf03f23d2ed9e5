import { parseArgs } from 'node:util'
import { parseCompatibilityLevel } from '../serde/avro/compatibility.js'
import { checkTopologySchemas, folderHistory, registryHistory, type SubjectCheck } from '../topology/schema-check.js'
import { loadTopology } from './load-topology.js'

export const SCHEMA_USAGE = `Usage: sluice schema check <topology.ts> [--against registry|<folder>] [--compatibility level] [--registry url]

For every topic and store (changelog) of the topology whose serde is Avro, checks that the
topology's schema may follow the earlier ones, and explains each incompatibility.
  --against registry       the subject's registered versions (default)
  --against <folder>       <folder>/<subject>.avsc, or <folder>/<subject>/*.avsc as versions in name order
  --compatibility level    BACKWARD, FORWARD, FULL, their _TRANSITIVE forms, or NONE; default the
                           registry's subject config (with a folder: BACKWARD)
  --registry url           registry to check against (default: the one each serde uses)
Exit code 1 when any subject is incompatible.
`

function formatCheck(check: SubjectCheck): string {
  const status = check.problems.length > 0 ? 'INCOMPATIBLE' : check.previousCount === 0 ? 'new' : 'compatible'
  const earlier = check.previousCount === 0 ? 'no earlier schema' : `${check.previousCount} earlier schema(s)`
  const lines = [`${check.subject}: ${status} (${check.level}, ${earlier})`, ...check.uses.map((use) => `    used by ${use}`)]
  for (const problem of check.problems) lines.push(`    - ${problem}`)
  return lines.join('\n')
}

/** `sluice schema check`: exit code 0 when every Avro subject is compatible, 1 otherwise. */
export async function schemaCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { against: { type: 'string' }, compatibility: { type: 'string' }, registry: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  })
  const [subcommand, file] = positionals
  if (values.help || subcommand !== 'check' || file === undefined) {
    process.stdout.write(SCHEMA_USAGE)
    return values.help ? 0 : 2
  }
  const topology = await loadTopology(file)
  const against = values.against ?? 'registry'
  const history = against === 'registry' ? registryHistory(values.registry) : folderHistory(against)
  const compatibility = values.compatibility === undefined ? undefined : parseCompatibilityLevel(values.compatibility)
  const checks = await checkTopologySchemas(topology, history, { compatibility })
  if (checks.length === 0) {
    process.stdout.write(`${topology.applicationId}: no topic or store with an Avro schema\n`)
    return 0
  }
  process.stdout.write(`${topology.applicationId}: Avro schemas against ${against}\n${checks.map(formatCheck).join('\n')}\n`)
  const failing = checks.filter((check) => check.problems.length > 0).length
  process.stdout.write(failing > 0 ? `${failing} of ${checks.length} subject(s) incompatible\n` : `all ${checks.length} subject(s) compatible\n`)
  return failing > 0 ? 1 : 0
}
