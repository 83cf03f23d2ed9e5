import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * The process holding a LevelDB or RocksDB store directory open, if any: both take a POSIX
 * record lock on the directory's LOCK file, which Linux lists in /proc/locks (pid and inode).
 * Looking there does not touch the store. Elsewhere (no /proc/locks) the answer is undefined.
 */
export async function lockHolder(storeDirectory: string): Promise<number | undefined> {
  let inode: number
  let locks: string
  try {
    inode = (await stat(join(storeDirectory, 'LOCK'))).ino
    locks = await readFile('/proc/locks', 'utf8')
  } catch {
    return undefined
  }
  for (const line of locks.split('\n')) {
    // "1: POSIX  ADVISORY  WRITE 4242 08:01:1234567 0 EOF"; blocked waiters carry "->" and are skipped.
    const fields = line.trim().split(/\s+/)
    if (fields[1] === '->' || fields.length < 6) continue
    const inodeField = fields[5].split(':')[2]
    if (inodeField !== undefined && Number(inodeField) === inode) return Number(fields[4])
  }
  return undefined
}
