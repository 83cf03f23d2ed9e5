// Debian's Chromium for the browser tests, installed from apt where it is missing (a fresh CI
// machine has none; a test tool's own browser download does not work on these machines).
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = process.env.SLUICE_CHROMIUM ?? '/usr/bin/chromium'

export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n']
  const run = (args: string[]): void => void execFileSync(asRoot[0] ?? args[0], [...asRoot.slice(1), ...(asRoot.length > 0 ? args : args.slice(1))], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 900_000 })
  try {
    run(['apt-get', 'install', '-y', '--no-install-recommends', 'chromium'])
  } catch {
    // The package lists of a fresh machine may be stale or missing.
    run(['apt-get', 'update'])
    run(['apt-get', 'install', '-y', '--no-install-recommends', 'chromium'])
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium, but ${CHROMIUM} is not there`)
  return CHROMIUM
}

/** Headless, with a fresh profile, and without the background traffic this closed network refuses. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: ensureChromium(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  })
}
