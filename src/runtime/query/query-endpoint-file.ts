import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

const FILE = '.sluice-query.json'

/** Where a running application tells `sluice store` its query URL: <stateDir>/<applicationId>/.sluice-query.json */
export function queryEndpointFile(stateDir: string, applicationId: string): string {
  return join(stateDir, applicationId, FILE)
}

export async function writeQueryEndpoint(file: string, url: string): Promise<void> {
  await writeFile(file, JSON.stringify({ pid: process.pid, url }))
}

export async function removeQueryEndpoint(file: string): Promise<void> {
  await rm(file, { force: true })
}

/** The URL of a running application's query server; undefined when none runs (or its process died). */
export async function readQueryEndpoint(stateDir: string, applicationId: string): Promise<string | undefined> {
  let entry: { pid?: unknown; url?: unknown }
  try {
    entry = JSON.parse(await readFile(queryEndpointFile(stateDir, applicationId), 'utf8')) as { pid?: unknown; url?: unknown }
  } catch {
    return undefined
  }
  if (typeof entry.pid !== 'number' || typeof entry.url !== 'string') return undefined
  try {
    // Signal 0 only checks that the process exists: a file left by a killed process is ignored.
    process.kill(entry.pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined
  }
  return entry.url
}
