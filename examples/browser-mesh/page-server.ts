import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage } from 'node:http'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import type { AddressInfo } from 'node:net'

const pageDir = new URL('./page/', import.meta.url)

/** The page's script and its source map, bundled for browsers. */
export interface PageBundle {
  js: string
  map: string
}

/**
 * Bundles the page with esbuild for browsers: the package's browser entry (src/browser.ts, so
 * roaring-wasm), libp2p and the page's code, in one ES module. No polyfills are needed.
 */
export async function bundlePage (): Promise<PageBundle> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('main.ts', pageDir))],
    outfile: 'main.js',
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: ['chrome120', 'firefox121', 'safari17'],
    sourcemap: 'linked',
    write: false,
    logLevel: 'silent'
  })
  const file = (suffix: string): string => result.outputFiles.find((f) => f.path.endsWith(suffix))?.text ?? ''
  return { js: file('main.js'), map: file('main.js.map') }
}

/** What `config.json` tells the page (see page/config.ts). */
export interface ServedConfig {
  mesh: string
  /** The relay's WebSockets addresses; the page gets the one on the host it was loaded from. */
  relay: string[]
  iceServers?: RTCIceServer[]
}

export interface PageServerOptions {
  /** @default '127.0.0.1' */
  host?: string
  /** 0 picks a free port. @default 0 */
  port?: number
  bundle: PageBundle
  /** The page's HTML, if not the example's own page/index.html. */
  html?: string
  /** Read at every request, so a relay that restarts elsewhere is picked up. */
  config: () => ServedConfig
}

export interface PageServer {
  readonly url: string
  close: () => Promise<void>
}

/** The relay address on the host the page was loaded from (it matters when listening on 0.0.0.0). */
function relayFor (request: IncomingMessage, addresses: string[]): string | null {
  const host = new URL(`http://${request.headers.host ?? 'localhost'}`).hostname
  return addresses.find((address) => address.startsWith(`/ip4/${host}/`) || address.startsWith(`/ip6/${host.replace(/^\[|\]$/g, '')}/`)) ?? addresses[0] ?? null
}

/** Serves the page, its bundle and its config over plain HTTP. */
export async function servePage (options: PageServerOptions): Promise<PageServer> {
  const [html, css] = await Promise.all([options.html ?? readFile(new URL('index.html', pageDir), 'utf8'), readFile(new URL('style.css', pageDir), 'utf8')])
  const files: Record<string, [string, string]> = {
    '/': ['text/html; charset=utf-8', html],
    '/index.html': ['text/html; charset=utf-8', html],
    '/style.css': ['text/css; charset=utf-8', css],
    '/main.js': ['text/javascript; charset=utf-8', options.bundle.js],
    '/main.js.map': ['application/json', options.bundle.map]
  }
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://page').pathname
    const headers = { 'cache-control': 'no-store' }
    if (path === '/config.json') {
      const { relay, ...config } = options.config()
      response.writeHead(200, { ...headers, 'content-type': 'application/json' })
      response.end(JSON.stringify({ ...config, relay: relayFor(request, relay) }))
      return
    }
    const file = files[path]
    if (file == null) {
      response.writeHead(404, { ...headers, 'content-type': 'text/plain' })
      response.end('not found')
      return
    }
    response.writeHead(200, { ...headers, 'content-type': file[0] })
    response.end(file[1])
  })
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, resolve)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/`,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => { resolve() }))
    }
  }
}
