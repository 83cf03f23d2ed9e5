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
  /** Soft-deleted: no longer a version to write with or check against, but records may still carry its id. */
  readonly deleted?: boolean
}

/** How long an id the registry answered 404 for is taken as missing before it is asked again. */
const MISSING_RETRY_MS = 10_000

/**
 * A Confluent-compatible schema registry, over its REST API, with a synchronous view of the schemas fetched so far: a schema id never changes its schema, so
 * the cache is shared by every serde of the process that uses the same registry URL, and a
 * serde can decode ids that another one registered or fetched.
 */
export class RegistryClient {
  private static readonly clients = new Map<string, RegistryClient>()
  /** How long one registry call may take; a hung registry must not hold a task (and its lock) forever. */
  static requestTimeoutMs = 10_000
  private readonly schemas = new Map<number, avro.Type>()
  /** Ids the registry answered 404 for, with when, so that deserialize can say so (asked again after MISSING_RETRY_MS). */
  private readonly missing = new Map<number, number>()

  private constructor(readonly url: string) {}

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

  /** Whether the registry answered 404 the last time this id was asked for. */
  isMissing(id: number): boolean {
    return this.missing.has(id) && !this.schemas.has(id)
  }

  /**
   * Fetches the schemas of ids not known yet. An id the registry does not have is remembered
   * as missing for MISSING_RETRY_MS, then asked again (it may have been registered since, or
   * the registry may have been answering from an incomplete state).
   */
  async fetchSchemas(ids: Iterable<number>): Promise<void> {
    for (const id of new Set(ids)) {
      if (this.schemas.has(id)) continue
      const missingSince = this.missing.get(id)
      if (missingSince !== undefined && Date.now() - missingSince < MISSING_RETRY_MS) continue
      let found: { schema: string; schemaType?: string } | undefined
      try {
        found = await this.getJson<{ schema: string; schemaType?: string }>(`/schemas/ids/${id}`)
      } catch (error) {
        throw new Error(`cannot fetch schema id ${id}: ${messageOf(error)}`, { cause: error })
      }
      if (found === undefined) {
        this.missing.set(id, Date.now())
        continue
      }
      if (found.schemaType !== undefined && found.schemaType.toUpperCase() !== 'AVRO') throw new Error(`schema registry ${this.url}: schema id ${id} is not an Avro schema (${found.schemaType})`)
      this.missing.delete(id)
      this.schemas.set(id, parseSchema(found.schema))
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
    if (!this.schemas.has(id)) this.schemas.set(id, parseSchema(schemaText(type)))
  }

  /** The latest version of a subject, or undefined when the subject does not exist. */
  async latest(subject: string): Promise<SubjectVersion | undefined> {
    const versions = await this.versions(subject)
    return versions.at(-1)
  }

  /**
   * Every registered version of a subject, oldest first; empty when the subject does not exist.
   * With includeDeleted, soft-deleted versions too (marked `deleted`), through `?deleted=true`
   * where the registry supports it: records and stores may still carry their ids.
   */
  async versions(subject: string, options: { includeDeleted?: boolean } = {}): Promise<SubjectVersion[]> {
    const path = `/subjects/${encodeURIComponent(subject)}/versions`
    const live = new Set((await this.getJson<number[]>(path)) ?? [])
    let numbers = [...live]
    if (options.includeDeleted) {
      try {
        numbers = [...new Set([...numbers, ...((await this.getJson<number[]>(`${path}?deleted=true`)) ?? [])])]
      } catch {
        // A registry without the parameter (or refusing it): the live versions only.
      }
    }
    const versions: SubjectVersion[] = []
    for (const version of numbers.sort((a, b) => a - b)) {
      const deleted = !live.has(version)
      let found: { id: number; schema: string } | undefined
      try {
        found = await this.getJson<{ id: number; schema: string }>(`${path}/${version}${deleted ? '?deleted=true' : ''}`)
      } catch (error) {
        if (!deleted) throw error
      }
      if (found === undefined) continue
      let type = this.schemas.get(found.id)
      if (!type) this.schemas.set(found.id, (type = parseSchema(found.schema)))
      versions.push(deleted ? { version, id: found.id, type, deleted } : { version, id: found.id, type })
    }
    return versions
  }

  /** The subject's compatibility level, else the registry's global one (Confluent's default: BACKWARD). */
  async compatibilityLevel(subject: string): Promise<string> {
    const apicurio = await this.apicurioCompatibilityLevel(subject)
    if (apicurio !== undefined) return apicurio
    const own = await this.getJson<{ compatibilityLevel?: string }>(`/config/${encodeURIComponent(subject)}`)
    if (own?.compatibilityLevel) return own.compatibilityLevel.toUpperCase()
    const global = await this.getJson<{ compatibilityLevel?: string }>('/config')
    return (global?.compatibilityLevel ?? 'BACKWARD').toUpperCase()
  }

  /**
   * Apicurio's Confluent API answers NONE for a subject without a level of its own and for the
   * global level, even when its global rule (BACKWARD, say) is enforced: its own API tells the
   * artifact's rule, else the global one, else NONE (its default). Undefined when the registry
   * is not Apicurio (or its own API does not answer).
   */
  private async apicurioCompatibilityLevel(subject: string): Promise<string | undefined> {
    const base = /^(.*)\/apis\/ccompat\/v\d+$/.exec(this.url)?.[1]
    if (base === undefined) return undefined
    const native = `${base}/apis/registry/v3`
    try {
      const rule = async (url: string) => (await this.requestJson<{ config?: string }>('GET', url, undefined, true))?.config
      const level = (await rule(`${native}/groups/default/artifacts/${encodeURIComponent(subject)}/rules/COMPATIBILITY`)) ?? (await rule(`${native}/admin/rules/COMPATIBILITY`))
      return (level ?? 'NONE').toUpperCase()
    } catch {
      return undefined
    }
  }

  private getJson<T>(path: string): Promise<T | undefined> {
    return this.requestJson<T>('GET', path)
  }

  /**
   * A registry call the client library lacks (versions, config) or reports without its status
   * (a lookup's 404); undefined on 404.
   */
  private async requestJson<T>(method: 'GET' | 'POST', path: string, body?: unknown, absolute = false): Promise<T | undefined> {
    const timeoutMs = RegistryClient.requestTimeoutMs
    try {
      const response = await fetch(absolute ? path : `${this.url}${path}`, {
        method,
        headers: { accept: 'application/vnd.schemaregistry.v1+json, application/json', 'content-type': 'application/vnd.schemaregistry.v1+json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      })
      if (response.status === 404) return undefined
      if (!response.ok) throw new RegistryAnswerError(`schema registry ${this.url}: ${method} ${path} answered ${response.status}: ${await response.text()}`)
      return (await response.json()) as T
    } catch (error) {
      if (error instanceof RegistryAnswerError) throw error
      if (error instanceof DOMException && error.name === 'TimeoutError') {
        throw new Error(`schema registry ${this.url}: ${method} ${path} did not answer within ${timeoutMs} ms`, { cause: error })
      }
      const reason = error instanceof Error && error.cause instanceof Error ? error.cause.message : messageOf(error)
      throw new Error(`schema registry ${this.url}: ${method} ${path} failed: ${reason}`, { cause: error })
    }
  }
}

class RegistryAnswerError extends Error {}

function parseSchema(text: string): avro.Type {
  return avro.Type.forSchema(JSON.parse(text) as avro.Schema)
}

/** The schema as registered: with defaults, docs and aliases (avsc's plain schema() drops them, and with them compatibility). */
function schemaText(type: avro.Type): string {
  return JSON.stringify(type.schema({ exportAttrs: true }))
}
