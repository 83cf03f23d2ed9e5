import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import type { GeneratedTransaction } from './generate-transactions.js'
import { ProgressTicker, type WriteOptions } from './progress.js'

export interface JsonlWriteOptions extends WriteOptions {
  /** Also write the ground truth as a `fraud_kind` field (null for genuine); default false. */
  labels?: boolean
}

/**
 * Writes one transaction per line as JSON (the simulation data's fields, in its column order),
 * to `path` ('-' for stdout). Resolves with the number of records written.
 */
export async function writeToJsonl(records: Iterable<GeneratedTransaction> | AsyncIterable<GeneratedTransaction>, path: string, options: JsonlWriteOptions = {}): Promise<number> {
  const out = path === '-' ? process.stdout : createWriteStream(path, { encoding: 'utf8' })
  const ticker = new ProgressTicker(options)
  let written = 0
  let chunk = ''
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return
    const ok = out.write(chunk)
    chunk = ''
    if (!ok) await once(out, 'drain')
  }
  try {
    for await (const { transaction, fraudKind } of records) {
      chunk += `${JSON.stringify(options.labels ? { ...transaction, fraud_kind: fraudKind ?? null } : transaction)}\n`
      written++
      if (chunk.length >= 1 << 16) {
        await flush()
        ticker.tick(written)
      }
    }
    await flush()
  } finally {
    if (out !== process.stdout) {
      const closed = once(out, 'close')
      out.end()
      await closed
    }
  }
  ticker.done(written)
  return written
}
