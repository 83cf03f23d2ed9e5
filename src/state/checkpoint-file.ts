import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

const FILE = '.checkpoint'

/**
 * A task's restore positions: per store, the changelog offset up to which the local store is
 * known to be complete. Written after a successful commit and on clean close; removed when
 * the task closes dirty so that it restores again.
 */
export class CheckpointFile {
  private readonly path: string

  constructor(private readonly taskDirectory: string) {
    this.path = join(taskDirectory, FILE)
  }

  async read(): Promise<Map<string, string>> {
    try {
      const parsed = JSON.parse(await readFile(this.path, 'utf8')) as { [store: string]: string }
      return new Map(Object.entries(parsed))
    } catch {
      return new Map()
    }
  }

  /** Written to a temporary file and renamed, so a crash never leaves half a checkpoint. */
  async write(offsets: ReadonlyMap<string, string>): Promise<void> {
    if (offsets.size === 0) return
    const temporary = `${this.path}.tmp`
    await mkdir(this.taskDirectory, { recursive: true })
    await writeFile(temporary, JSON.stringify(Object.fromEntries(offsets)))
    await rename(temporary, this.path)
  }

  async remove(): Promise<void> {
    await rm(this.path, { force: true })
  }
}
