import { ApplicationBackend } from './application-backend.js'
import type { ConsoleApplication } from './console-application.js'
import { ConsoleServer } from './console-server.js'

export interface ConsoleOptions {
  /** Port to listen on (0: any free one). */
  port: number
  /** Address to listen on (default 127.0.0.1: only this machine). */
  host?: string
  /** Host names besides the loopback ones that requests may give (as the query server's). */
  allowedHosts?: readonly string[]
  /** When set, the page and its data need this token (open the console at /?token=<token>). */
  token?: string
  log?: (message: string) => void
}

/** A running console; close() stops it (the application keeps running). */
export interface RunningConsole {
  readonly url: string
  close(): Promise<void>
}

/** Serves the web console of an application running in this process (KafkaStreams). */
export async function startConsole(application: ConsoleApplication, options: ConsoleOptions): Promise<RunningConsole> {
  const log = options.log ?? ((message: string) => void process.stderr.write(`${message}\n`))
  const server = new ConsoleServer(new ApplicationBackend(application, log), { allowedHosts: options.allowedHosts, token: options.token, log })
  try {
    const url = await server.listen(options.host ?? '127.0.0.1', options.port)
    return { url, close: () => server.close() }
  } catch (error) {
    await server.close()
    throw error
  }
}
