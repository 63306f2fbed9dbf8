// What binding writers to keys costs (issue 17), on one core: raw Ed25519 (node:crypto and
// WebCrypto), local writes and their signing, bytes per op and a full sync against the payload,
// and a late joiner verifying 100,000 entries. Run:
//   node --experimental-transform-types --disable-warning=ExperimentalWarning bench/writer-keys-numbers.ts [entries]
// Pass a second module path (e.g. the previous release's src/index.ts) to put its unsigned
// figures beside these: `bench/writer-keys-numbers.ts 100000 ../old/src/index.ts`.
import { randomBytes, webcrypto } from 'node:crypto'
import { ed25519 as noble } from '@noble/curves/ed25519.js'
import * as signed from '../src/index.ts'
import { nodeEd25519 } from '../src/store/writer-keys/node-ed25519.ts'

const ENTRIES = Number(process.argv[2] ?? 100_000)
const KEY = 16
const VALUE = 128
type Lib = typeof signed

function rate (count: number, ms: number): string {
  return `${Math.round(count / (ms / 1000)).toLocaleString('en')}/s`
}

async function time (fn: () => unknown): Promise<number> {
  const start = performance.now()
  await fn()
  return performance.now() - start
}

async function ed25519Figures (): Promise<Record<string, string>> {
  const n = 20_000
  const digest = randomBytes(32)
  const pair = nodeEd25519.generate()!
  const sig = nodeEd25519.sign(pair.secretKey, digest) as Uint8Array
  const signMs = await time(() => { for (let i = 0; i < n; i++) nodeEd25519.sign(pair.secretKey, digest) })
  const verifyMs = await time(() => { for (let i = 0; i < n; i++) nodeEd25519.verify(pair.publicKey, digest, sig) })
  const key = await webcrypto.subtle.importKey('raw', pair.publicKey, { name: 'Ed25519' }, false, ['verify'])
  const webMs = await time(async () => { for (let i = 0; i < n / 4; i++) await webcrypto.subtle.verify({ name: 'Ed25519' }, key, sig, digest) })
  // What a browser uses to make keys at once, and to sign and verify where WebCrypto has no Ed25519.
  const m = n / 10
  const keygenMs = await time(() => { for (let i = 0; i < m; i++) noble.getPublicKey(randomBytes(32)) })
  const nobleSignMs = await time(() => { for (let i = 0; i < m; i++) noble.sign(digest, pair.secretKey) })
  const nobleVerifyMs = await time(() => { for (let i = 0; i < m; i++) noble.verify(sig, digest, pair.publicKey, { zip215: false }) })
  return {
    'node:crypto sign': rate(n, signMs),
    'node:crypto verify': rate(n, verifyMs),
    'WebCrypto verify (Node)': rate(n / 4, webMs),
    '@noble/curves key from a seed': rate(m, keygenMs),
    '@noble/curves sign / verify': `${rate(m, nobleSignMs)} / ${rate(m, nobleVerifyMs)}`
  }
}

/** Keys and values, made once so that both libraries write the same bytes. */
const data = Array.from({ length: ENTRIES }, () => [randomBytes(KEY), randomBytes(VALUE)] as const)

async function storeFigures (lib: Lib): Promise<Record<string, string | number>> {
  const out: Record<string, string | number> = {}
  // Local writes, one set per commit: what the write path costs, then what signing them costs.
  const writer = new lib.MemStore()
  // Timed without yielding: signing runs after the writes, in a microtask, off the write path.
  const start = performance.now()
  for (const [k, v] of data) writer.set(k, v)
  out['local sets (one per commit)'] = rate(ENTRIES, performance.now() - start)
  const signer = writer as { signed?: () => Promise<void> }
  if (signer.signed != null) out['signing them (batches of 64)'] = rate(ENTRIES, await time(async () => { await signer.signed!() }))
  // Bytes: one set alone, a set in a transaction of 10,000, a full sync to an empty replica.
  const single = new lib.MemStore()
  out['bytes: one set alone'] = lib.encodeOps([single.insertWithOp(data[0][0], data[0][1])]).byteLength
  const tx = new lib.MemStore()
  tx.begin()
  for (const [k, v] of data.slice(0, 10_000)) tx.set(k, v)
  const txOps = tx.commitWithOps()
  let txBytes = 0
  // Split as the peer's publisher would (256 KiB messages): one signed batch never spans two.
  for (let i = 0; i < txOps.length; i += 1024) txBytes += lib.encodeOps(txOps.slice(i, i + 1024)).byteLength
  out['bytes per set in a transaction of 10,000'] = (txBytes / 10_000).toFixed(1)
  const frames: Uint8Array[] = []
  for (const frame of writer.buildDiffFrames(new lib.MemStore().requestDiff(), { maxFrameBytes: 65536 })) frames.push(lib.encodeDiff(frame))
  const wire = frames.reduce((n, f) => n + f.byteLength, 0)
  out['full sync / payload'] = (wire / (ENTRIES * (KEY + VALUE))).toFixed(3)
  // A late joiner, as a peer pulls: decode each frame, verify its signatures ahead (on Node.js,
  // on worker threads while this one hashes the entries), integrate it.
  const joiner = new lib.MemStore()
  const cpu = process.cpuUsage()
  const joinMs = await time(async () => {
    for (const f of frames) {
      const diff = lib.decodeDiff(f)
      await joiner.verifyDiff(diff)
      joiner.integrateDiff(diff)
    }
  })
  const { user, system } = process.cpuUsage(cpu)
  out[`late joiner, ${ENTRIES.toLocaleString('en')} entries`] = `${Math.round(joinMs)} ms (CPU, every thread: ${Math.round((user + system) / 1000)} ms)`
  if (joiner.size !== writer.size) out.check = `MISMATCH ${joiner.size} vs ${writer.size}`
  return out
}

const rows: Array<[string, Record<string, string | number>]> = [['Ed25519, one core', await ed25519Figures()], ['signed (this build)', await storeFigures(signed)]]
if (process.argv[3] != null) rows.push([`given build (${process.argv[3]})`, await storeFigures(await import(process.argv[3]) as Lib)])
for (const [title, figures] of rows) {
  console.log(`\n${title}`)
  for (const [name, value] of Object.entries(figures)) console.log(`  ${name.padEnd(42)} ${value}`)
}
