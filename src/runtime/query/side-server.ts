import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * Starts an application's side server (store queries, metrics) and returns its base URL (port 0
 * picks a free one). It does not keep the process alive: the application's own lifecycle
 * decides when the process ends, never an idle HTTP server.
 */
export async function listenSideServer(server: Server, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  server.unref()
  const address = server.address() as AddressInfo
  return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
}

/** Closes a side server, cutting the connections still open (a scraper's keep-alive). */
export async function closeSideServer(server: Server | undefined): Promise<void> {
  if (!server) return
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
}
