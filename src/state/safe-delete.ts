import { lstat, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { applicationDirectory, STATE_MARKER } from './state-directory.js'

/** A delete refused because its target is not a Sluice directory inside the state root. */
export class UnsafeDeleteError extends Error {
  override readonly name = 'UnsafeDeleteError'
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false
      throw error
    },
  )
}

/** True when `target` lies strictly below `root` (lexically, after resolving `.` and `..`). */
export function isStrictlyInside(root: string, target: string): boolean {
  const path = relative(resolve(root), resolve(target))
  return path !== '' && !isAbsolute(path) && path.split(sep)[0] !== '..'
}

/**
 * Deletes a directory of Sluice state recursively: an application's or task's directory (which
 * holds the marker Sluice writes when it creates one) or a store directory in a task's. Refuses,
 * with an UnsafeDeleteError, a target that is not strictly inside `stateRoot` or not a
 * Sluice directory. Every recursive delete of state goes through here.
 */
export async function deleteStateDirectory(stateRoot: string, target: string): Promise<void> {
  if (await checkDeletable(stateRoot, target)) await rm(target, { recursive: true, force: true })
}

/**
 * Throws the UnsafeDeleteError deleteStateDirectory would; true when there is something to
 * delete. For commands that must refuse before they change anything else (reset).
 */
export async function checkDeletable(stateRoot: string, target: string): Promise<boolean> {
  if (!isStrictlyInside(stateRoot, target)) throw new UnsafeDeleteError(`refusing to delete ${target}: it is not inside the state directory ${stateRoot}`)
  if (!(await exists(target))) return false
  const marked = (await exists(join(target, STATE_MARKER))) || (isStrictlyInside(stateRoot, dirname(resolve(target))) && (await exists(join(dirname(resolve(target)), STATE_MARKER))))
  if (!marked) {
    throw new UnsafeDeleteError(
      `refusing to delete ${target}: it is not a Sluice state directory (no ${STATE_MARKER} in it or its task directory; state written by an older Sluice has none: delete it by hand if it is)`,
    )
  }
  return true
}

/** Deletes an application's whole local state, <stateDir>/<applicationId> (reset), if it is Sluice's (see deleteStateDirectory). */
export async function deleteApplicationState(stateDir: string, applicationId: string): Promise<void> {
  return deleteStateDirectory(stateDir, applicationDirectory(stateDir, applicationId))
}

/** Deletes a temporary directory Sluice made with mkdtemp(join(tmpdir(), 'sluice-...')); refuses anything else. */
export async function deleteTemporaryDirectory(directory: string): Promise<void> {
  const path = resolve(directory)
  if (dirname(path) !== resolve(tmpdir()) || !basename(path).startsWith('sluice-')) {
    throw new UnsafeDeleteError(`refusing to delete ${directory}: it is not a temporary directory of Sluice (${join(tmpdir(), 'sluice-*')})`)
  }
  await rm(path, { recursive: true, force: true })
}
