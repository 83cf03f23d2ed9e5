import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { checkStatePathParts } from './state-names.js'

/**
 * The file Sluice writes into each application and task directory it creates. A recursive
 * delete goes ahead only in a directory holding it (see safe-delete.ts), so a wrong path can
 * never wipe something Sluice did not create.
 */
export const STATE_MARKER = '.sluice-state'

export function applicationDirectory(stateDir: string, applicationId: string): string {
  checkStatePathParts(applicationId)
  return join(stateDir, applicationId)
}

export function taskDirectory(stateDir: string, applicationId: string, taskId: string): string {
  checkStatePathParts(applicationId, taskId)
  return join(stateDir, applicationId, taskId)
}

/** Where an application's global stores live: beside its task directories, under a name no task id has. */
export function globalStateDirectory(stateDir: string, applicationId: string): string {
  return join(applicationDirectory(stateDir, applicationId), 'global')
}

/** Creates the application's directory and its global stores' one, each with its marker. */
export async function createGlobalStateDirectory(stateDir: string, applicationId: string): Promise<void> {
  await createStateDirectories(stateDir, applicationId)
  await mark(globalStateDirectory(stateDir, applicationId), { application: applicationId, global: true })
}

/** Creates the application's directory, and the task's when given, each with its marker. */
export async function createStateDirectories(stateDir: string, applicationId: string, taskId?: string): Promise<void> {
  const application = applicationDirectory(stateDir, applicationId)
  await mark(application, { application: applicationId })
  if (taskId !== undefined) await mark(taskDirectory(stateDir, applicationId, taskId), { application: applicationId, task: taskId })
}

async function mark(directory: string, what: { application: string; task?: string; global?: true }): Promise<void> {
  await mkdir(directory, { recursive: true })
  await writeFile(join(directory, STATE_MARKER), `${JSON.stringify({ createdBy: 'sluice', ...what })}\n`)
}
