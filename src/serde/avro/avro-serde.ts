import avro from 'avsc'
import type { Serde } from '../serde.js'
import { messageOf } from '../../errors.js'
import { RegistryClient, defaultRegistryUrl } from './registry-client.js'
import { subjectName, type SubjectNameStrategy } from './subject-name-strategy.js'
import { bodyOf, frame, peekSchemaId, schemaIdOf } from './wire-format.js'

/** An Avro schema as a JSON object, its JSON text, or an avsc Type. */
export type AvroSchemaInput = avro.Schema | string | avro.Type

export interface AvroSerdeOptions {
  /**
   * This side's schema: what serialize writes (registered or looked up under the subject) and
   * the reader schema deserialize resolves every writer schema to. Without it, serialize
   * writes with the subject's latest version and deserialize returns values as written.
   */
  schema?: AvroSchemaInput
  /** Whether the serde is for record keys or values; names the subject under the topic strategy (default 'value'). */
  part?: 'key' | 'value'
  /** Default 'topic' (`<topic>-key` / `<topic>-value`). */
  subjectNameStrategy?: SubjectNameStrategy
  /** Register the schema on first use when the subject does not have it (default true). Off: it must be registered already. */
  autoRegister?: boolean
  /** Write with the subject's latest registered version instead of `schema` (which then only reads). Default false. */
  useLatestVersion?: boolean
  /** A Confluent-compatible registry API; default SLUICE_SCHEMA_REGISTRY_URL, else http://localhost:8081/apis/ccompat/v7. */
  registryUrl?: string
}

/** What a schema check needs to know about an Avro serde. */
export interface AvroSerdeInfo {
  /** This side's schema, if one was given. */
  readonly schema: avro.Type | undefined
  readonly part: 'key' | 'value'
  subjectFor(topic: string): string
  registry(): RegistryClient
}

export interface AvroSerde<T> extends Serde<T> {
  readonly avro: AvroSerdeInfo
}

export function isAvroSerde(serde: Serde<unknown>): serde is AvroSerde<unknown> {
  return typeof (serde as Partial<AvroSerde<unknown>>).avro === 'object'
}

export function toAvroType(schema: AvroSchemaInput): avro.Type {
  if (avro.Type.isType(schema)) return schema as avro.Type
  return avro.Type.forSchema(typeof schema === 'string' ? (JSON.parse(schema) as avro.Schema) : (schema as avro.Schema))
}

/** avsc does not export its Resolver class type. */
type Resolver = ReturnType<avro.Type['createResolver']>

interface Writer {
  readonly id: number
  readonly type: avro.Type
}

/** Paths and values that make a value invalid for a schema, e.g. "field `amt`: "x" is not a double". */
function invalidFields(type: avro.Type, value: unknown): string[] {
  const problems: string[] = []
  type.isValid(value, {
    errorHook: (path, invalid, fieldType) => {
      const where = path.length === 0 ? 'the value' : `field \`${path.join('.')}\``
      problems.push(`${where}: ${JSON.stringify(invalid) ?? String(invalid)} is not a valid ${fieldType.branchName ?? fieldType.typeName}`)
    },
  })
  return problems
}

/**
 * Avro through a Confluent-compatible schema registry, in the Confluent wire format (magic
 * byte 0, 4-byte schema id, Avro body). Serialize and deserialize are synchronous, so all
 * registry I/O happens in `prepare`, which the runtime calls:
 * - with a batch's bytes before deserializing it: fetches the writer schemas of unknown ids;
 * - with an empty batch before serializing to a topic (sinks, stores and their changelogs, at
 *   task creation): registers or looks up the writer schema, and loads every registered
 *   version of the subject, so values stored by older versions of the application decode.
 *
 * Null (a tombstone) stays null both ways. Reading resolves the writer schema to `schema`
 * (Avro schema resolution: defaults fill added fields, removed fields are skipped).
 */
export function avroSerde<T>(options: AvroSerdeOptions = {}): AvroSerde<T> {
  const readerType = options.schema === undefined ? undefined : toAvroType(options.schema)
  const part = options.part ?? 'value'
  const strategy = options.subjectNameStrategy ?? 'topic'
  const autoRegister = options.autoRegister ?? true
  const useLatest = options.useLatestVersion ?? readerType === undefined
  const writers = new Map<string, Writer>()
  const preparing = new Map<string, Promise<void>>()
  /** Per writer id: its resolver, null when none is needed, or why it cannot be read (kept, so a bad record does not retry it each time). */
  const resolvers = new Map<number, Resolver | null | Error>()
  let client: RegistryClient | undefined
  const registry = (): RegistryClient => (client ??= RegistryClient.for(options.registryUrl ?? defaultRegistryUrl()))
  const subjectFor = (topic: string): string => subjectName(strategy, topic, part, readerType?.name)

  async function prepareWriter(subject: string): Promise<void> {
    // Every version, soft-deleted ones too, so that values written by older schemas of this subject decode synchronously.
    const versions = await registry().versions(subject, { includeDeleted: true })
    let writer: Writer | undefined
    if (useLatest) {
      const latest = versions.filter((version) => version.deleted !== true).at(-1)
      if (!latest) throw new Error(`subject "${subject}" has no registered schema to write with (useLatestVersion)`)
      writer = { id: latest.id, type: latest.type }
    } else if (readerType) {
      const id = autoRegister ? await registry().register(subject, readerType) : await registry().idOf(subject, readerType)
      if (id === undefined) throw new Error(`the schema ${readerType.name ?? ''} is not registered under subject "${subject}" and autoRegister is off`)
      writer = { id, type: readerType }
    }
    if (writer) writers.set(subject, writer)
  }

  /** The writer for looking keys up: this schema if registered, else the subject's latest version; registers nothing. */
  async function lookupWriter(subject: string): Promise<void> {
    if (writers.has(subject)) return
    const id = readerType && !useLatest ? await registry().idOf(subject, readerType) : undefined
    if (readerType && id !== undefined) {
      writers.set(subject, { id, type: readerType })
      return
    }
    const latest = (await registry().versions(subject)).at(-1)
    if (!latest) throw new Error(`subject "${subject}" has no registered schema, so nothing was written with one: a lookup registers none`)
    writers.set(subject, { id: latest.id, type: latest.type })
  }

  function resolverFor(id: number, writer: avro.Type): Resolver | null {
    if (!readerType) return null
    let resolver = resolvers.get(id)
    if (resolver === undefined) {
      if (readerType.equals(writer)) resolver = null
      else {
        try {
          resolver = readerType.createResolver(writer)
        } catch (error) {
          resolver = new Error(`the writer schema (id ${id}) cannot be read with the reader schema ${readerType.name ?? readerType.typeName}: ${messageOf(error)}`)
        }
      }
      resolvers.set(id, resolver)
    }
    if (resolver instanceof Error) throw new Error(resolver.message)
    return resolver
  }

  return {
    name: `avro(${readerType === undefined ? 'latest' : (readerType.name ?? readerType.typeName)})`,
    avro: { schema: readerType, part, subjectFor, registry },
    prepare: async (topic, batch) => {
      const ids: number[] = []
      for (const data of batch) {
        const id = peekSchemaId(data)
        if (id !== undefined && registry().schemaOf(id) === undefined) ids.push(id)
      }
      if (ids.length > 0) await registry().fetchSchemas(ids)
      if (batch.length > 0) return
      const subject = subjectFor(topic)
      let pending = preparing.get(subject)
      if (!pending) {
        pending = prepareWriter(subject)
        preparing.set(subject, pending)
        // A failure (registry down, schema refused) is retried by the next prepare.
        pending.catch(() => preparing.delete(subject))
      }
      await pending
    },
    prepareLookup: (topic) => lookupWriter(subjectFor(topic)),
    serialize: (topic, value) => {
      if (value === null || value === undefined) return null
      const subject = subjectFor(topic)
      const writer = writers.get(subject)
      if (!writer) {
        throw new Error(`Avro serde for subject "${subject}" has no writer schema yet: await serde.prepare(topic, []) before serialize (the runtime does)`)
      }
      let body: Buffer
      try {
        body = writer.type.toBuffer(value)
      } catch (error) {
        const problems = invalidFields(writer.type, value)
        throw new Error(`value does not match the Avro schema ${writer.type.name ?? ''} (id ${writer.id}): ${problems.length > 0 ? problems.join('; ') : messageOf(error)}`)
      }
      return frame(writer.id, body)
    },
    deserialize: (_topic, data) => {
      if (data === null) return null as T
      const id = schemaIdOf(data)
      const writer = registry().schemaOf(id)
      if (!writer) {
        if (registry().isMissing(id)) throw new Error(`unknown schema id ${id}: the schema registry at ${registry().url} has no schema with this id`)
        throw new Error(`schema id ${id} was not fetched: await serde.prepare(topic, batch) before deserialize (the runtime does)`)
      }
      const resolver = resolverFor(id, writer)
      const body = bodyOf(data)
      try {
        // The reader's own type decodes even when the writer schema equals it: avsc's equals()
        // ignores logical types and options such as wrapUnions, which change decoded values.
        if (readerType) return (resolver ? readerType.fromBuffer(body, resolver) : readerType.fromBuffer(body)) as T
        return writer.fromBuffer(body) as T
      } catch (error) {
        throw new Error(`the Avro body (${body.length} bytes) does not decode with writer schema id ${id}: ${messageOf(error)}`)
      }
    },
  }
}
