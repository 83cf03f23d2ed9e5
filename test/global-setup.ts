import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/**
 * Integration tests need the real services. Unless SLUICE_BROKERS points elsewhere, the
 * project's own script brings them up (fetching them on a fresh machine) when they are down.
 */
export default function setup(): void {
  if (process.env.SLUICE_BROKERS) return
  const script = fileURLToPath(new URL('../scripts/services.sh', import.meta.url))
  try {
    execFileSync('bash', [script, 'status'], { stdio: 'ignore' })
  } catch {
    execFileSync('bash', [script, 'up'], { stdio: 'inherit' })
  }
}
