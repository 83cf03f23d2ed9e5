import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../../bin/sluice.js', import.meta.url))

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs `bin/sluice.js <args>` as a child process to its end; `env` adds to (or, with undefined, removes from) this process's environment. */
export function runSluice(args: readonly string[], env: { [name: string]: string | undefined } = {}): Promise<CliResult> {
  const merged: { [name: string]: string } = {}
  for (const [name, value] of Object.entries({ ...process.env, ...env })) if (value !== undefined) merged[name] = value
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: merged, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })
    })
  })
}
