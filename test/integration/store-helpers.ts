import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BROKERS } from './kafka-helpers.js'

const BIN = fileURLToPath(new URL('../../bin/sluice.js', import.meta.url))

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs `sluice <args>` to its end. */
export function sluice(args: readonly string[], env: { [name: string]: string }): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, SLUICE_BROKERS: BROKERS.join(','), ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })
    })
  })
}

/** `sluice <args> --json`, parsed; fails with the command's stderr when it does. */
export async function sluiceJson<T>(args: readonly string[], env: { [name: string]: string }): Promise<T> {
  const result = await sluice([...args, '--json'], env)
  if (result.code !== 0) throw new Error(`sluice ${args.join(' ')} failed (${result.code}): ${result.stderr}`)
  return JSON.parse(result.stdout) as T
}

/** Every file under a directory with its content hash, size and modification time. */
export async function fileFingerprints(directory: string): Promise<Map<string, string>> {
  const prints = new Map<string, string>()
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name)
      if (entry.isDirectory()) {
        await walk(path)
        continue
      }
      const info = await stat(path)
      const hash = createHash('sha256').update(await readFile(path)).digest('hex')
      prints.set(relative(directory, path), `${hash} ${info.size} ${info.mtimeMs}`)
    }
  }
  await walk(directory)
  return prints
}
