import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Topology } from './topology.js'
import { toAvroType } from '../serde/avro/avro-serde.js'
import { incompatibilities, parseCompatibilityLevel, type CompatibilityLevel, type PreviousSchema } from '../serde/avro/compatibility.js'
import { RegistryClient } from '../serde/avro/registry-client.js'
import { avroSubjectsOf, type AvroSubjectUse } from './topology-schemas.js'

/** What a subject held before: its schemas (oldest first) and, if the source knows it, its level. */
export interface SubjectHistory {
  readonly previous: readonly PreviousSchema[]
  readonly level?: CompatibilityLevel
}

/** Where earlier schemas come from: the registry, a folder of .avsc files, an older topology. */
export type SchemaHistorySource = (use: AvroSubjectUse) => Promise<SubjectHistory>

/** The subject's registered versions and compatibility level, from the registry the serde uses (or `url`). */
export function registryHistory(url?: string): SchemaHistorySource {
  return async (use) => {
    const client = url === undefined ? use.serde.registry() : RegistryClient.for(url)
    const versions = await client.versions(use.subject)
    const level = parseCompatibilityLevel(await client.compatibilityLevel(use.subject))
    return { previous: versions.map((version) => ({ label: `version ${version.version}, id ${version.id}`, type: version.type })), level }
  }
}

/**
 * Schemas saved as files: `<folder>/<subject>.avsc` (one earlier schema) or every `.avsc` of
 * `<folder>/<subject>/`, in name order (e.g. 1.avsc, 2.avsc) as versions, oldest first.
 */
export function folderHistory(folder: string): SchemaHistorySource {
  return async (use) => {
    const files: string[] = []
    const single = join(folder, `${use.subject}.avsc`)
    if (await readFile(single).then(() => true, () => false)) files.push(single)
    const entries = await readdir(join(folder, use.subject)).catch(() => [] as string[])
    const numeric = (name: string): number => Number.parseInt(name, 10)
    const sorted = entries.filter((name) => name.endsWith('.avsc')).sort((a, b) => numeric(a) - numeric(b) || a.localeCompare(b))
    files.push(...sorted.map((name) => join(folder, use.subject, name)))
    const previous: PreviousSchema[] = []
    for (const file of files) previous.push({ label: file, type: toAvroType(await readFile(file, 'utf8')) })
    return { previous }
  }
}

/** The schema an older version of the topology uses for the same subject. */
export function topologyHistory(older: Topology, label = 'the previous topology'): SchemaHistorySource {
  const schemas = new Map(avroSubjectsOf(older).map((use) => [use.subject, use.schema]))
  return async (use) => {
    const type = schemas.get(use.subject)
    return { previous: type ? [{ label, type }] : [] }
  }
}

export interface SubjectCheck {
  readonly subject: string
  readonly uses: readonly string[]
  readonly level: CompatibilityLevel
  /** How many earlier schemas there were; 0: a new subject, nothing to be compatible with. */
  readonly previousCount: number
  /** One explanation per incompatibility; empty when compatible. */
  readonly problems: readonly string[]
}

/**
 * Checks every Avro subject of a topology against its history. The level is `compatibility`
 * when given, else the history's (the registry's subject config), else BACKWARD, the
 * registry default that protects readers of old topics, changelogs and stored values.
 */
export async function checkTopologySchemas(topology: Topology, history: SchemaHistorySource, options: { compatibility?: CompatibilityLevel } = {}): Promise<SubjectCheck[]> {
  const checks: SubjectCheck[] = []
  for (const use of avroSubjectsOf(topology)) {
    const { previous, level: known } = await history(use)
    const level = options.compatibility ?? known ?? 'BACKWARD'
    checks.push({ subject: use.subject, uses: use.uses, level, previousCount: previous.length, problems: incompatibilities(use.schema, previous, level) })
  }
  return checks
}

/** Thrown when a topology's schemas cannot follow the earlier ones; the message lists each reason. */
export class SchemaCompatibilityError extends Error {
  override readonly name = 'SchemaCompatibilityError'
  constructor(readonly checks: readonly SubjectCheck[]) {
    const failing = checks.filter((check) => check.problems.length > 0)
    super(`incompatible schema change:\n${failing.map((check) => `  ${check.subject} (${check.level}): ${check.problems.join('; ')}`).join('\n')}`)
  }
}
