import { messageOf } from '../errors.js'

/** A connector's and its tasks' states as Kafka Connect reports them (`GET /connectors/<name>/status`). */
export interface ConnectorStatus {
  readonly name: string
  readonly connector: { readonly state: string; readonly worker_id: string; readonly trace?: string }
  readonly tasks: readonly { readonly id: number; readonly state: string; readonly worker_id: string; readonly trace?: string }[]
  readonly type?: string
}

/** A Kafka Connect REST call that failed: the method, the path and what the worker answered. */
export class ConnectRequestError extends Error {
  override readonly name = 'ConnectRequestError'
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message)
  }
}

/** True when the connector and every one of its tasks (at least one) are RUNNING. */
export function isRunning(status: ConnectorStatus): boolean {
  return status.connector.state === 'RUNNING' && status.tasks.length > 0 && status.tasks.every((task) => task.state === 'RUNNING')
}

/** The first failure a status shows, with the worker's stack trace cut to its first lines. */
export function failureOf(status: ConnectorStatus): string | undefined {
  const firstLines = (trace: string | undefined): string => (trace ? `: ${trace.split('\n').slice(0, 3).join(' | ')}` : '')
  if (status.connector.state === 'FAILED') return `connector ${status.name} FAILED${firstLines(status.connector.trace)}`
  const task = status.tasks.find((candidate) => candidate.state === 'FAILED')
  return task ? `connector ${status.name} task ${task.id} FAILED${firstLines(task.trace)}` : undefined
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** The Kafka Connect REST API of one worker (or cluster): register, inspect, restart and remove connectors. */
export class ConnectClient {
  constructor(
    /** e.g. http://127.0.0.1:8083 */
    readonly url: string,
    private readonly requestTimeoutMs = 30_000,
  ) {}

  /** Creates the connector, or updates its configuration when it exists (PUT is idempotent). */
  async register(name: string, config: { readonly [key: string]: string }): Promise<void> {
    await this.request('PUT', `/connectors/${encodeURIComponent(name)}/config`, { ...config, name })
  }

  /** The connector's status, or undefined when the worker does not know it. */
  async status(name: string): Promise<ConnectorStatus | undefined> {
    return (await this.request('GET', `/connectors/${encodeURIComponent(name)}/status`, undefined, [404])) as ConnectorStatus | undefined
  }

  /**
   * Removes the connector and waits until the worker no longer knows it (it stops the tasks
   * first); false when there was none. Its replication slot stays in the database.
   */
  async remove(name: string, timeoutMs = 30_000): Promise<boolean> {
    const answer = await this.request('DELETE', `/connectors/${encodeURIComponent(name)}`, undefined, [404])
    if (answer === undefined) return false
    const deadline = Date.now() + timeoutMs
    while ((await this.status(name).catch(() => undefined)) !== undefined) {
      if (Date.now() > deadline) throw new Error(`connector ${name} still known to ${this.url} ${timeoutMs} ms after its removal`)
      await sleep(200)
    }
    return true
  }

  /** Restarts the connector and its tasks (the connector resumes from its last flushed offsets). */
  async restart(name: string): Promise<void> {
    await this.request('POST', `/connectors/${encodeURIComponent(name)}/restart?includeTasks=true&onlyFailed=false`)
  }

  async connectors(): Promise<string[]> {
    return (await this.request('GET', '/connectors')) as string[]
  }

  /** Waits until the connector and its tasks run; fails at once on a FAILED one, with its trace. */
  async waitUntilRunning(name: string, timeoutMs = 60_000): Promise<ConnectorStatus> {
    const deadline = Date.now() + timeoutMs
    let last: ConnectorStatus | undefined
    for (;;) {
      try {
        last = await this.status(name)
      } catch (error) {
        // A worker still starting (or rebalancing its connectors) answers 409 or not at all.
        if (!(error instanceof ConnectRequestError) || (error.status !== undefined && error.status !== 409)) throw error
      }
      if (last && isRunning(last)) return last
      const failure = last && failureOf(last)
      if (failure) throw new Error(failure)
      if (Date.now() > deadline) {
        const states = last ? `connector ${last.connector.state}, tasks [${last.tasks.map((task) => task.state).join(', ')}]` : 'not known to the worker'
        throw new Error(`connector ${name} not running after ${timeoutMs} ms at ${this.url} (${states})`)
      }
      await sleep(500)
    }
  }

  private async request(method: string, path: string, body?: unknown, absentStatuses: readonly number[] = []): Promise<unknown> {
    const what = `${method} ${this.url}${path}`
    let response: Response
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.requestTimeoutMs),
      })
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause
      throw new ConnectRequestError(`${what}: no answer from Kafka Connect (${messageOf(cause ?? error)}); is it running (scripts/services.sh up connect)?`, undefined)
    }
    const text = await response.text()
    if (absentStatuses.includes(response.status)) return undefined
    if (!response.ok) {
      let detail = text
      try {
        detail = (JSON.parse(text) as { message?: string }).message ?? text
      } catch {
        // not JSON: the text as it came
      }
      throw new ConnectRequestError(`${what}: ${response.status} ${detail}`, response.status)
    }
    return text === '' ? {} : (JSON.parse(text) as unknown)
  }
}
