import { execFileSync } from 'node:child_process'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'

const env = process.env
const SERVICES = [
  { name: 'kafka', port: Number(env.SLUICE_KAFKA_PORT ?? 9092) },
  { name: 'registry', port: Number(env.SLUICE_REGISTRY_PORT ?? 8081) },
  { name: 'postgres', port: Number(env.SLUICE_PG_PORT ?? 5432) },
]

/** Whether something accepts connections on host:port (also used by the benchmarks). */
export function reachable(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 })
    const done = (result: boolean): void => {
      socket.destroy()
      resolve(result)
    }
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
    socket.once('timeout', () => done(false))
  })
}

/**
 * Integration tests need the real services. Services already listening (started by
 * scripts/services.sh or docker compose) are used as they are; otherwise the project's own
 * script brings up the missing ones, fetching them first on a fresh machine.
 */
export default async function setup(): Promise<void> {
  if (env.SLUICE_BROKERS) return
  const missing: string[] = []
  for (const service of SERVICES) if (!(await reachable(service.port))) missing.push(service.name)
  if (missing.length === 0) return
  const script = fileURLToPath(new URL('../scripts/services.sh', import.meta.url))
  execFileSync('bash', [script, 'up', ...missing], { stdio: 'inherit' })
}
