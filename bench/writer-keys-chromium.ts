// Ed25519 in Chromium's WebCrypto (what a browser peer signs and verifies with), one tab, 32-byte
// digests as the store signs them. Run:
//   node --experimental-transform-types --disable-warning=ExperimentalWarning bench/writer-keys-chromium.ts
import { createServer } from 'node:http'
import { chromium } from 'playwright-core'

// WebCrypto needs a secure context: a page from localhost is one, about:blank is not.
const server = createServer((_, res) => { res.end('<!doctype html><title>ed25519</title>') })
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const port = (server.address() as { port: number }).port
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
try {
  const page = await browser.newPage()
  await page.goto(`http://localhost:${port}/`)
  const figures = await page.evaluate(async () => {
    const n = 5000
    const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']) as CryptoKeyPair
    const digest = crypto.getRandomValues(new Uint8Array(32))
    const sig = await crypto.subtle.sign({ name: 'Ed25519' }, pair.privateKey, digest)
    let start = performance.now()
    await Promise.all(Array.from({ length: n }, async () => await crypto.subtle.sign({ name: 'Ed25519' }, pair.privateKey, digest)))
    const sign = n / ((performance.now() - start) / 1000)
    start = performance.now()
    await Promise.all(Array.from({ length: n }, async () => await crypto.subtle.verify({ name: 'Ed25519' }, pair.publicKey, sig, digest)))
    const verify = n / ((performance.now() - start) / 1000)
    return { userAgent: navigator.userAgent, sign: Math.round(sign), verify: Math.round(verify) }
  })
  console.log(`${figures.userAgent}\n  WebCrypto Ed25519 sign   ${figures.sign.toLocaleString('en')}/s\n  WebCrypto Ed25519 verify ${figures.verify.toLocaleString('en')}/s`)
} finally {
  await browser.close()
  server.close()
}
