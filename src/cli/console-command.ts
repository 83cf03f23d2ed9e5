import { parseArgs } from 'node:util'
import { ConsoleServer } from '../console/console-server.js'
import { RemoteBackend } from '../console/remote-backend.js'
import { startConsole, type RunningConsole } from '../console/start-console.js'
import type { KafkaStreams } from '../runtime/kafka/kafka-streams.js'
import { integerSetting, settingOf } from './setting.js'

export const CONSOLE_USAGE = `Usage: sluice console --url http://host:port [options]

Opens the web console of an application running elsewhere (started with --console-port): serves
the page here and forwards its read-only requests to that application.
Options:
  --url u              the application's console, e.g. http://10.0.0.5:8088 [SLUICE_CONSOLE_URL]
  --port p             where to serve it on this machine, 127.0.0.1:p, 0 for any port [SLUICE_CONSOLE_PORT] (default 8088)
  --query-token t      the application's token, sent as "Authorization: Bearer t" [SLUICE_QUERY_TOKEN]
`

/** `sluice console --url ...`: a local console over a remote application's console API. */
export async function consoleCommand(args: readonly string[], log: (message: string) => void): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { url: { type: 'string' }, port: { type: 'string' }, 'query-token': { type: 'string' } }, strict: true, allowPositionals: false })
  const url = settingOf('url', values.url, 'SLUICE_CONSOLE_URL')?.text
  if (url === undefined) throw new Error('console needs --url http://host:port, the console port of a running application (sluice run ... --console-port p)')
  let base: URL
  try {
    base = new URL(url)
  } catch {
    throw new Error(`--url ${JSON.stringify(url)} is not a URL; e.g. http://127.0.0.1:8088`)
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`--url must be http:// or https://, got ${base.protocol}`)
  const port = integerSetting(settingOf('port', values.port, 'SLUICE_CONSOLE_PORT'), { min: 0, max: 65535, unit: 'a port (0: any free one)' }) ?? 8088
  const server = new ConsoleServer(new RemoteBackend(base.href, settingOf('query-token', values['query-token'], 'SLUICE_QUERY_TOKEN')?.text), { log })
  const address = await server.listen('127.0.0.1', port)
  log(`console of ${base.origin} at ${address}`)
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve())
  })
  await server.close()
  return 0
}

/** The console of `sluice run --console-port`, as one of the parts the command starts and stops. */
export function consolePart(streams: KafkaStreams, port: number, host = '127.0.0.1') {
  const config = streams.config
  let running: RunningConsole | undefined
  let stop: () => void = () => {}
  const stopped = new Promise<void>((resolve) => (stop = resolve))
  return {
    log: config.log,
    // Before the application starts: a port in use fails at once, and a restore at start-up is shown.
    start: async () => {
      running = await startConsole(streams, { port, host, allowedHosts: config.queryAllowedHosts, token: config.queryToken, log: config.log })
      config.log(`console at ${running.url}`)
    },
    stop: async () => {
      await running?.close()
      stop()
    },
    stopped: () => stopped,
    error: () => undefined,
  }
}
