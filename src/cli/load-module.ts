import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

/** Imports a TypeScript or JavaScript file (through tsx) and returns its default export. */
export async function loadDefaultExport(file: string): Promise<unknown> {
  const module = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown }
  return module.default
}
