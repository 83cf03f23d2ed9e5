import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { deleteApplicationState, UnsafeDeleteError } from 'sluice'
import { deleteStateDirectory, deleteTemporaryDirectory, isStrictlyInside } from '../../src/state/safe-delete.js'
import { createStateDirectories, STATE_MARKER } from '../../src/state/state-directory.js'

describe('recursive deletes stay inside the state root, in Sluice directories', () => {
  let sandbox: string
  let root: string
  beforeEach(async () => {
    sandbox = await mkdtemp(join(tmpdir(), 'safe-delete-'))
    root = join(sandbox, 'state')
    await mkdir(root)
    await writeFile(join(sandbox, 'precious.txt'), 'not state')
  })
  afterEach(async () => {
    await rm(sandbox, { recursive: true, force: true })
  })

  test('isStrictlyInside: below the root only, never the root itself or beside it', () => {
    expect(isStrictlyInside('/s/state', '/s/state/app')).toBe(true)
    expect(isStrictlyInside('state', 'state/app/0_1/store')).toBe(true)
    for (const outside of ['/s/state', '/s/state/.', '/s/state/..', '/s/state/../other', '/s/state-2/app', '/elsewhere', '/s/state/app/../..']) {
      expect(isStrictlyInside('/s/state', outside), outside).toBe(false)
    }
    expect(isStrictlyInside('/s/state', '/s/state/..hidden')).toBe(true) // a name starting with '..' is still inside
  })

  test('application, task and store directories Sluice created are deleted', async () => {
    await createStateDirectories(root, 'app', '0_1')
    await mkdir(join(root, 'app', '0_1', 'store'))
    await writeFile(join(root, 'app', '0_1', 'store', 'CURRENT'), 'x')
    await deleteStateDirectory(root, join(root, 'app', '0_1', 'store'))
    expect(await readdir(join(root, 'app', '0_1'))).toEqual([STATE_MARKER])
    await deleteStateDirectory(root, join(root, 'app', '0_1'))
    expect(await readdir(join(root, 'app'))).toEqual([STATE_MARKER])
    await deleteApplicationState(root, 'app')
    expect(await readdir(root)).toEqual([])
    await deleteApplicationState(root, 'app') // nothing left: nothing to do
  })

  test('a task directory is made only under a task id, in its one string form', async () => {
    for (const task of ['0_01', '0-1', '../0_1', '0_1/x']) {
      await expect(createStateDirectories(root, 'app', task), task).rejects.toThrow(`malformed task id ${JSON.stringify(task)}`)
    }
    expect(existsSync(join(root, 'app', '0_01'))).toBe(false)
  })

  test('targets outside the root, the root itself and unmarked directories are refused; nothing is deleted', async () => {
    await mkdir(join(root, 'not-sluice', 'inner'), { recursive: true })
    for (const target of [sandbox, root, join(root, '..'), join(root, 'app', '..', '..'), join(sandbox, 'precious.txt')]) {
      await expect(deleteStateDirectory(root, target), target).rejects.toThrow(/is not inside the state directory/)
    }
    await expect(deleteStateDirectory(root, join(root, 'not-sluice'))).rejects.toThrow(UnsafeDeleteError)
    await expect(deleteStateDirectory(root, join(root, 'not-sluice', 'inner'))).rejects.toThrow(/not a Sluice state directory/)
    for (const id of ['..', '.', '../state', '']) await expect(deleteApplicationState(root, id), id).rejects.toThrow(/applicationId/)
    expect(existsSync(join(sandbox, 'precious.txt'))).toBe(true)
    expect(existsSync(join(root, 'not-sluice', 'inner'))).toBe(true)
  })

  test('a symlinked application directory: the link goes, what it points to stays', async () => {
    const elsewhere = join(sandbox, 'elsewhere')
    await mkdir(elsewhere)
    await symlink(elsewhere, join(root, 'app'))
    await createStateDirectories(root, 'app', '0_0') // written through the link
    await deleteApplicationState(root, 'app')
    expect(existsSync(join(root, 'app'))).toBe(false)
    expect((await readdir(elsewhere)).sort()).toEqual(['0_0', STATE_MARKER].sort())
  })

  test('temporary directories: only sluice-* directly in the temp directory', async () => {
    const mine = await mkdtemp(join(tmpdir(), 'sluice-test-'))
    await deleteTemporaryDirectory(mine)
    expect(existsSync(mine)).toBe(false)
    await expect(deleteTemporaryDirectory(sandbox)).rejects.toThrow(UnsafeDeleteError)
    await expect(deleteTemporaryDirectory(join(tmpdir(), 'sluice-x', '..'))).rejects.toThrow(UnsafeDeleteError)
    expect(existsSync(sandbox)).toBe(true)
  })
})
