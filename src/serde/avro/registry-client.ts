import { SchemaRegistry } from '@kafkajs/confluent-schema-registry'
import avro from 'avsc'
import { messageOf } from '../../errors.js'

export const DEFAULT_REGISTRY_URL = 'http://localhost:8081/apis/ccompat/v7'

/** The registry URL when none is given: SLUICE_SCHEMA_REGISTRY_URL, else the local Apicurio's Confluent API. */
export function defaultRegistryUrl(): string {
  return process.env.SLUICE_SCHEMA_REGISTRY_URL ?? DEFAULT_REGISTRY_URL
}

/** One registered version of a subject. */
export interface SubjectVersion {
  readonly version: number
  readonly id: number
  readonly type: avro.Type
}

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number' ? error.status : undefined
}

/**
 * A Confluent-compatible schema registry, through @kafkajs/confluent-schema-registry, with a
 * synchronous view of the schemas fetched so far: a schema id never changes its schema, so
 * the cache is shared by every serde of the process that uses the same registry URL, and a
 * serde can decode ids that another one registered or fetched.
 */
export class RegistryClient {
  private static readonly clients = new Map<string, RegistryClient>()
  private readonly registry: SchemaRegistry
  private readonly schemas = new Map<number, avro.Type>()
  /** Ids the registry answered 404 for, so that deserialize can say so. */
  private readonly missing = new Set<number>()

  private constructor(readonly url: string) {
    this.registry = new SchemaRegistry({ host: url, clientId: 'sluice' })
  }

  static for(url: string = defaultRegistryUrl()): RegistryClient {
    const normalized = url.replace(/\/+$/, '')
    let client = RegistryClient.clients.get(normalized)
    if (!client) RegistryClient.clients.set(normalized, (client = new RegistryClient(normalized)))
    return client
  }

  /** Forgets every fetched schema, as a new process would start; tests of restarts use it. */
  static forgetSchemas(): void {
    for (const client of RegistryClient.clients.values()) {
      client.schemas.clear()
      client.missing.clear()
    }
  }

  /** The writer schema of an id, if fetched already. */
  schemaOf(id: number): avro.Type | undefined {
    return this.schemas.get(id)
  }

  isMissing(id: number): boolean {
    return this.missing.has(id) && !this.schemas.has(id)
  }

  /** Fetches the schemas of ids not known yet; an id the registry does not have is remembered as missing. */
  async fetchSchemas(ids: Iterable<number>): Promise<void> {
    for (const id of new Set(ids)) {
      if (this.schemas.has(id) || this.missing.has(id)) continue
      try {
        const schema = await this.registry.getSchema(id)
        if (!avro.Type.isType(schema)) throw new Error(`schema id ${id} is not an Avro schema`)
        this.schemas.set(id, schema as avro.Type)
      } catch (error) {
        if (statusOf(error) !== 404) throw new Error(`schema registry ${this.url}: cannot fetch schema id ${id}: ${messageOf(error)}`, { cause: error })
        this.missing.add(id)
      }
    }
  }

  /**
   * Registers the schema under the subject unless it is there already; returns its id. A plain
   * `POST /subjects/{subject}/versions`: the subject's compatibility level (or the registry's
   * global one) is left as it is, and unnamed schemas (a primitive key, a union) register too.
   */
  async register(subject: string, type: avro.Type): Promise<number> {
    const existing = await this.idOf(subject, type)
    if (existing !== undefined) return existing
    let registered: { id: number } | undefined
    try {
      registered = await this.requestJson<{ id: number }>('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema: schemaText(type) })
    } catch (error) {
      throw new Error(`schema registry ${this.url}: cannot register a schema under subject "${subject}": ${messageOf(error)}`, { cause: error })
    }
    if (registered === undefined) throw new Error(`schema registry ${this.url}: cannot register a schema under subject "${subject}": answered 404`)
    this.remember(registered.id, type)
    return registered.id
  }

  /** The id of this exact schema under the subject, or undefined when it is not registered there. */
  async idOf(subject: string, type: avro.Type): Promise<number | undefined> {
    const found = await this.requestJson<{ id: number }>('POST', `/subjects/${encodeURIComponent(subject)}`, { schema: schemaText(type) })
    if (found !== undefined) this.remember(found.id, type)
    return found?.id
  }

  /**
   * Caches an id's schema as the registry would answer it (a plain type of its text), not the
   * serde's own type: logical types and avsc options of one serde must not change what the
   * others of the process decode, or a producing process would read differently from a
   * consumer-only one.
   */
  private remember(id: number, type: avro.Type): void {
    if (!this.schemas.has(id)) this.schemas.set(id, avro.Type.forSchema(JSON.parse(schemaText(type)) as avro.Schema))
  }

  /** The latest version of a subject, or undefined when the subject does not exist. */
  async latest(subject: string): Promise<SubjectVersion | undefined> {
    const versions = await this.versions(subject)
    return versions.at(-1)
  }

  /** Every registered version of a subject, oldest first; empty when the subject does not exist. */
  async versions(subject: string): Promise<SubjectVersion[]> {
    const numbers = await this.getJson<number[]>(`/subjects/${encodeURIComponent(subject)}/versions`)
    if (numbers === undefined) return []
    const versions: SubjectVersion[] = []
    for (const version of [...numbers].sort((a, b) => a - b)) {
      const found = await this.getJson<{ id: number; schema: string }>(`/subjects/${encodeURIComponent(subject)}/versions/${version}`)
      if (found === undefined) continue
      let type = this.schemas.get(found.id)
      if (!type) this.schemas.set(found.id, (type = avro.Type.forSchema(JSON.parse(found.schema) as avro.Schema)))
      versions.push({ version, id: found.id, type })
    }
    return versions
  }

  /** The subject's compatibility level, else the registry's global one (Confluent's default: BACKWARD). */
  async compatibilityLevel(subject: string): Promise<string> {
    const own = await this.getJson<{ compatibilityLevel?: string }>(`/config/${encodeURIComponent(subject)}`)
    if (own?.compatibilityLevel) return own.compatibilityLevel.toUpperCase()
    const global = await this.getJson<{ compatibilityLevel?: string }>('/config')
    return (global?.compatibilityLevel ?? 'BACKWARD').toUpperCase()
  }

  private getJson<T>(path: string): Promise<T | undefined> {
    return this.requestJson<T>('GET', path)
  }

  /**
   * A registry call the client library lacks (versions, config) or reports without its status
   * (a lookup's 404); undefined on 404.
   */
  private async requestJson<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T | undefined> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { accept: 'application/vnd.schemaregistry.v1+json, application/json', 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    if (response.status === 404) return undefined
    if (!response.ok) throw new Error(`schema registry ${this.url}: ${method} ${path} answered ${response.status}: ${await response.text()}`)
    return (await response.json()) as T
  }
}

/** The schema as registered: with defaults, docs and aliases (avsc's plain schema() drops them, and with them compatibility). */
function schemaText(type: avro.Type): string {
  return JSON.stringify(type.schema({ exportAttrs: true }))
}
