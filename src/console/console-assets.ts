import { readFile } from 'node:fs/promises'

/** The page's files: served from the package itself, never from a CDN. */
const ASSETS = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
} as const

export type AssetPath = keyof typeof ASSETS

export interface Asset {
  readonly type: string
  readonly body: Buffer
}

export function isAssetPath(path: string): path is AssetPath {
  return Object.hasOwn(ASSETS, path)
}

/** Reads the page's files once (next to this module in src/ and in dist/: the build copies them). */
export async function loadConsoleAssets(): Promise<ReadonlyMap<AssetPath, Asset>> {
  const folder = new URL('./assets/', import.meta.url)
  const assets = new Map<AssetPath, Asset>()
  for (const [path, { file, type }] of Object.entries(ASSETS) as [AssetPath, (typeof ASSETS)[AssetPath]][]) {
    assets.set(path, { type, body: await readFile(new URL(file, folder)) })
  }
  return assets
}
