// The console's server without a broker: its page comes from the package with a strict content
// policy, it answers only loopback (or allowed) Host names, a token is taken once from the
// address and carried on in a cookie, it is read-only, and `sluice console --url` forwards to
// an application's console elsewhere as that one answers.
import { request } from 'node:http'
import { afterEach, describe, expect, test } from 'vitest'
import { ConsoleServer } from '../../src/console/console-server.js'
import type { ConsoleBackend } from '../../src/console/console-backend.js'
import { RemoteBackend } from '../../src/console/remote-backend.js'
import { sendJson } from '../../src/runtime/query/store-request-handler.js'

/** Answers every data request with its own path, so forwarding can be checked. */
const echoBackend: ConsoleBackend = {
  answer: async (url, response) => sendJson(response, 200, { path: url.pathname, query: url.search }),
  close: async () => {},
}

const servers: ConsoleServer[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close()
})

async function serve(backend: ConsoleBackend, options: { token?: string; allowedHosts?: string[] } = {}): Promise<string> {
  const server = new ConsoleServer(backend, { ...options, log: () => undefined })
  servers.push(server)
  return server.listen('127.0.0.1', 0)
}

/** A raw GET (fetch cannot set Host). */
function get(url: string, headers: { [name: string]: string } = {}, method = 'GET'): Promise<{ status: number; headers: { [name: string]: string | string[] | undefined }; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('the console server', () => {
  test('serves its page and assets from the package, with a policy that allows nothing from elsewhere', async () => {
    const url = await serve(echoBackend)
    const page = await get(url)
    expect(page.status).toBe(200)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect(page.body).toContain('<script type="module" src="/console.js">')
    expect(page.body).not.toMatch(/https?:\/\//)
    expect(page.headers['content-security-policy']).toContain("default-src 'self'")
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    for (const asset of ['console.js', 'console.css']) {
      const answer = await get(`${url}${asset}`)
      expect(answer.status).toBe(200)
      expect(answer.body).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/)
    }
    expect((await get(`${url}nothing-here`)).status).toBe(404)
  })

  test('hands /api, /stores and /metrics to its backend, and refuses anything but GET', async () => {
    const url = await serve(echoBackend)
    for (const path of ['api/status', 'stores/s/get', 'metrics']) expect(JSON.parse((await get(`${url}${path}?key=k`)).body)).toEqual({ path: `/${path}`, query: '?key=k' })
    const post = await get(`${url}api/status`, {}, 'POST')
    expect(post.status).toBe(405)
    expect(post.headers.allow).toBe('GET')
  })

  test('answers loopback and allowed Host names only (no DNS rebinding)', async () => {
    const url = await serve(echoBackend, { allowedHosts: ['console.internal'] })
    const port = new URL(url).port
    expect((await get(`${url}api/status`, { host: `localhost:${port}` })).status).toBe(200)
    expect((await get(`${url}api/status`, { host: `console.internal:${port}` })).status).toBe(200)
    const refused = await get(`${url}api/status`, { host: `attacker.example:${port}` })
    expect(refused.status).toBe(403)
    expect(JSON.parse(refused.body).error).toContain('attacker.example')
  })

  test('with a token: refused without it, taken once from ?token= into a cookie, then accepted', async () => {
    const url = await serve(echoBackend, { token: 's3cret' })
    expect((await get(`${url}api/status`)).status).toBe(401)
    expect((await get(url)).status).toBe(401)
    expect((await get(`${url}?token=wrong`)).status).toBe(401)
    const handed = await get(`${url}?token=s3cret`)
    expect(handed.status).toBe(303)
    expect(handed.headers.location).toBe('/')
    const cookie = String(handed.headers['set-cookie']).split(';')[0]
    expect(String(handed.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/)
    expect((await get(url, { cookie })).status).toBe(200)
    expect((await get(`${url}api/status`, { cookie })).status).toBe(200)
    expect((await get(`${url}api/status`, { authorization: 'Bearer s3cret' })).status).toBe(200)
    expect((await get(`${url}api/status`, { cookie: 'sluice_console_token=wrong' })).status).toBe(401)
  })
})

describe('sluice console --url (the remote backend)', () => {
  test("forwards the page's requests with the application's token and answers as it answers", async () => {
    const application = await serve(echoBackend, { token: 'app-token' })
    const local = await serve(new RemoteBackend(application, 'app-token'))
    expect(JSON.parse((await get(`${local}api/windows/counts?x=1`)).body)).toEqual({ path: '/api/windows/counts', query: '?x=1' })
    // The page itself is the local console's own.
    expect((await get(local)).body).toContain('/console.js')
    const withoutToken = await serve(new RemoteBackend(application, undefined))
    expect((await get(`${withoutToken}api/status`)).status).toBe(401)
  })

  test('an application that does not answer is a 502 naming it', async () => {
    const gone = await serve(echoBackend)
    await servers.shift()?.close()
    const local = await serve(new RemoteBackend(gone, undefined))
    const answer = await get(`${local}api/status`)
    expect(answer.status).toBe(502)
    expect(JSON.parse(answer.body).error).toContain(new URL(gone).origin)
  })
})
