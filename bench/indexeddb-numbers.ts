// How long a page takes to hold a 100,000-entry state sync in IndexedDB: the browser figure
// beside the Node.js ones. Bundles bench/browser/indexeddb-page.ts, serves it on loopback, runs
// it in headless Chromium (Debian's /usr/bin/chromium) and prints one JSON line per run.
//
//   node bench/indexeddb-numbers.ts [--count 100000] [--runs 3]
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { build } from 'esbuild'
import { chromium } from 'playwright-core'
import type { AddressInfo } from 'node:net'

const { values: args } = parseArgs({ options: { count: { type: 'string', default: '100000' }, runs: { type: 'string', default: '3' } } })

const bundle = await build({
  entryPoints: [fileURLToPath(new URL('./browser/indexeddb-page.ts', import.meta.url))],
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: ['chrome120'],
  write: false,
  logLevel: 'silent'
})
const script = bundle.outputFiles[0].text
const server = createServer((request, response) => {
  if (request.url === '/page.js') {
    response.writeHead(200, { 'content-type': 'text/javascript' })
    response.end(script)
    return
  }
  response.writeHead(200, { 'content-type': 'text/html' })
  response.end('<!doctype html><script type="module" src="/page.js"></script>')
})
await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, timeout: 60_000 })
try {
  for (let run = 0; run < Number(args.runs); run++) {
    // A fresh page each run: one origin's IndexedDB, the previous run's database deleted.
    const page = await browser.newPage()
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
    await page.waitForFunction(() => typeof (globalThis as any).runSync === 'function')
    const figures = await page.evaluate(async (count) => await (globalThis as any).runSync(count), Number(args.count))
    process.stdout.write(JSON.stringify({ run, ...figures }) + '\n')
    await page.close()
  }
} finally {
  await browser.close()
  server.close()
}
