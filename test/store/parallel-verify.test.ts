import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { MemStore, decodeDiff, encodeDiff, WriterKey, type DiffEntry } from '../../src/index.ts'
import { NodeVerifyPool } from '../../src/store/writer-keys/node-verify-pool.ts'
import { parallelVerifier, useParallelVerifier, type ParallelVerifier } from '../../src/store/writer-keys/parallel-verifier.ts'
import { nodeEd25519 } from '../../src/store/writer-keys/node-ed25519.ts'

/** A store holding `count` entries, signed in batches of at most 64 seqs. */
function signedSource (count: number): MemStore {
  const store = new MemStore()
  store.begin()
  for (let i = 0; i < count; i++) store.set(randomBytes(16), randomBytes(32))
  store.commit()
  // Building a diff signs what is not signed yet.
  store.buildDiff({ stateHash: store.stateHash() })
  return store
}

/** A verifier that counts the signatures it is handed, around the registered pool. */
function counting (inner: ParallelVerifier): ParallelVerifier & { added: number } {
  const counter = {
    added: 0,
    session: (signal?: AbortSignal) => {
      const session = inner.session(signal)
      return {
        add: (...args: Parameters<typeof session.add>) => {
          counter.added++
          return session.add(...args)
        },
        done: async () => await session.done()
      }
    }
  }
  return counter
}

describe('signatures verified on other threads', () => {
  it('a pool answers each signature: the writer\'s, or not', async () => {
    const pool = new NodeVerifyPool(2)
    try {
      const pair = nodeEd25519.generate()
      const card = { publicKey: pair.publicKey, nonce: new Uint8Array(16) }
      const session = pool.session()
      const expected: number[] = []
      for (let i = 0; i < 40; i++) {
        const digest = randomBytes(32)
        const signature = nodeEd25519.sign(pair.secretKey, digest) as Uint8Array
        const bad = i % 7 === 3
        if (bad) signature[5] ^= 1
        session.add(card, digest, signature)
        expected.push(bad ? 0 : 1)
      }
      assert.deepEqual([...await session.done()], expected)
    } finally {
      await pool.close()
    }
  })

  it('an aborted session rejects with the signal\'s reason', async () => {
    const pool = new NodeVerifyPool(1)
    try {
      const pair = nodeEd25519.generate()
      const card = { publicKey: pair.publicKey, nonce: new Uint8Array(16) }
      const controller = new AbortController()
      const session = pool.session(controller.signal)
      const digest = randomBytes(32)
      const signature = nodeEd25519.sign(pair.secretKey, digest) as Uint8Array
      for (let i = 0; i < 200; i++) session.add(card, digest, signature)
      const done = session.done()
      controller.abort(new Error('gone'))
      await assert.rejects(done, { message: 'gone' })
    } finally {
      await pool.close()
    }
  })

  it('a big diff is verified ahead on the pool, and integrated whole', async () => {
    const registered = parallelVerifier()
    assert.ok(registered != null, 'the Node.js entry point registers a pool')
    const spy = counting(registered)
    useParallelVerifier(spy)
    try {
      const source = signedSource(3_000)
      const target = new MemStore()
      const diff = decodeDiff(encodeDiff(source.buildDiff(target.requestDiff())))
      await target.verifyDiff(diff)
      assert.ok(spy.added >= 40, `${spy.added} signatures went to the pool`)
      target.integrateDiff(diff)
      assert.deepEqual(target.stateHash(), source.stateHash())
      assert.equal(target.size, 3_000)
    } finally {
      useParallelVerifier(registered)
    }
  })

  it('one bad signature among many: the diff is refused whole and nothing changes', async () => {
    const source = signedSource(3_000)
    const target = new MemStore()
    const before = target.stateHash()
    const diff = decodeDiff(encodeDiff(source.buildDiff(target.requestDiff())))
    const proofs = diff.groups[0].proofs!
    assert.ok(proofs.length > 40)
    // As received from a responder that changed one batch's signature (decoded proofs own their bytes).
    proofs[Math.floor(proofs.length / 2)].signature[9] ^= 0x10
    await target.verifyDiff(diff)
    assert.throws(() => { target.integrateDiff(diff) }, { name: 'InvalidSignatureError' })
    assert.deepEqual(target.stateHash(), before)
    assert.equal(target.size, 0)
    // The same diff, honest, still goes in.
    target.integrateDiff(decodeDiff(encodeDiff(source.buildDiff(target.requestDiff()))))
    assert.deepEqual(target.stateHash(), source.stateHash())
  })

  it('an aborted verifyDiff rejects and changes nothing; the diff still integrates, checked on this thread', async () => {
    const source = signedSource(3_000)
    const target = new MemStore()
    const diff = decodeDiff(encodeDiff(source.buildDiff(target.requestDiff())))
    const controller = new AbortController()
    const verifying = target.verifyDiff(diff, { signal: controller.signal })
    controller.abort(new Error('pull stopped'))
    await assert.rejects(verifying, { message: 'pull stopped' })
    assert.equal(target.size, 0)
    target.integrateDiff(diff)
    assert.deepEqual(target.stateHash(), source.stateHash())
  })

  it('signatures the threads could not answer are checked on integration: a bad one is still refused', async () => {
    const registered = parallelVerifier()
    // A pool whose threads all died: it answers nothing.
    useParallelVerifier({ session: () => ({ add: () => 0, done: async () => new Uint8Array(0) }) })
    try {
      const source = signedSource(3_000)
      const target = new MemStore()
      const diff = decodeDiff(encodeDiff(source.buildDiff(target.requestDiff())))
      diff.groups[0].proofs![5].signature[0] ^= 1
      await target.verifyDiff(diff)
      assert.throws(() => { target.integrateDiff(diff) }, { name: 'InvalidSignatureError' })
      assert.equal(target.size, 0)
      const honest = decodeDiff(encodeDiff(source.buildDiff(target.requestDiff())))
      await target.verifyDiff(honest)
      target.integrateDiff(honest)
      assert.deepEqual(target.stateHash(), source.stateHash())
    } finally {
      useParallelVerifier(registered)
    }
  })

  it('an entry changed after its diff was verified is still caught (a diff made in code is hashed again)', async () => {
    const writer = WriterKey.generateSync()!
    const source = new MemStore(undefined, { writer })
    source.begin()
    for (let i = 0; i < 3_000; i++) source.set(randomBytes(16), randomBytes(16))
    source.commit()
    const built = source.buildDiff(new MemStore().requestDiff())
    const target = new MemStore()
    await target.verifyDiff(built)
    // Changed in place, the same diff object: only a decoded diff's leaves are kept from verifyDiff.
    const entries = built.groups[0].entries as DiffEntry[]
    const { key, seq, hlc } = entries[7]
    entries[7] = { key, seq, hlc, value: new Uint8Array(16) }
    assert.throws(() => { target.integrateDiff(built) }, { name: 'InvalidSignatureError' })
    assert.equal(target.size, 0)
  })

  it('leaves no thread holding a process open', async () => {
    const script = fileURLToPath(new URL('./parallel-verify-child.ts', import.meta.url))
    const child = spawn(process.execPath, ['--experimental-transform-types', '--disable-warning=ExperimentalWarning', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill()
        reject(new Error('the process did not exit by itself'))
      }, 60_000)
      child.on('exit', (exitCode) => {
        clearTimeout(timer)
        resolve(exitCode)
      })
    })
    assert.equal(code, 0)
    assert.match(out, /integrated 3000/)
  })
})
