import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import {
  InvalidSignatureError, LevelStore, MemStore, WriterKeysMismatchError, decodeDiff, decodeDiffRequest, decodeOps, encodeDiff, encodeDiffRequest, encodeOps,
  stringCodec, type Op
} from '../../src/index.ts'
import { storeConformance } from './store-conformance.ts'

// Writers bound to keys turned off (`writerKeys: false`, issue 17's opt-out for a mesh whose
// members all trust each other): the store both ways, the compact wire, and the refusal of the
// other kind's input.

// Everything a store does, it does the same with writer keys off.
storeConformance('MemStore with writerKeys: false', {
  make: async (name, options) => new MemStore(name, { ...options, writerKeys: false }),
  settle: async (store) => { await store.signed() }
})

const text = { keys: stringCodec, values: stringCodec }
const unsigned = (name: string): MemStore<string, string> => new MemStore<string, string>(name, { ...text, writerKeys: false })
const signed = (name: string): MemStore<string, string> => new MemStore<string, string>(name, text)

/** A lone set's ops message, as op sync ships it. */
function loneSet (store: MemStore<string, string>, i: number): Uint8Array {
  store.begin()
  store.set(`key-${i}`, `value-${i}`)
  return encodeOps(store.commitWithOps())
}

function pull (from: MemStore<string, string>, to: MemStore<string, string>): void {
  const request = decodeDiffRequest(encodeDiffRequest(to.requestDiff()))
  to.integrateDiff(decodeDiff(encodeDiff(from.buildDiff(request))))
}

describe('a store with writerKeys: false', () => {
  it('says so, and a default store binds its writers to keys', () => {
    assert.equal(unsigned('a').writerKeys, false)
    assert.equal(signed('s').writerKeys, true)
  })

  it('sends its ops unsigned and compact: no card, salt, signature or tags', () => {
    const a = unsigned('a')
    const s = signed('s')
    const ops = (() => { a.begin(); a.set('k', 'v'); return a.commitWithOps() })()
    assert.equal(ops[0].batch, undefined)
    const plain = loneSet(unsigned('b'), 1)
    const sealed = loneSet(s, 1)
    // Card 48, salt 16, signature 64 at least.
    assert.ok(sealed.byteLength - plain.byteLength >= 128, `unsigned ${plain.byteLength} B, signed ${sealed.byteLength} B`)
    assert.equal(plain[1], 5, 'an unsigned ops message (type 5)')
    const b = unsigned('b2')
    b.integrateOps(decodeOps(encodeOps(ops)))
    assert.equal(b.get('k'), 'v')
  })

  it('syncs by ops and by diff with another unsigned store, deletes and overwrites included', () => {
    const a = unsigned('a')
    const b = unsigned('b')
    const shipped: Op[][] = []
    a.addEventListener('ops', (event) => { shipped.push([...event.ops]) })
    for (let i = 0; i < 20; i++) b.integrateOps(decodeOps(loneSet(a, i)))
    a.begin()
    a.delete('key-3')
    a.set('key-4', 'again')
    b.integrateOps(decodeOps(encodeOps(a.commitWithOps())))
    assert.deepEqual(b.entries(), a.entries())
    assert.deepEqual(b.stateHash(), a.stateHash())
    // A late joiner pulls everything, deaths included.
    const c = unsigned('c')
    pull(a, c)
    assert.deepEqual(c.entries(), a.entries())
    assert.deepEqual(c.stateHash(), a.stateHash())
    // And writes back.
    c.set('from-c', 'x')
    pull(c, a)
    assert.equal(a.get('from-c'), 'x')
  })

  it('fires its ops event unsigned, after the commit', async () => {
    const a = unsigned('a')
    const got: Op[] = []
    a.addEventListener('ops', (event) => { got.push(...event.ops) })
    a.set('x', '1')
    a.set('y', '2')
    await a.signed()
    assert.equal(got.length, 2)
    assert.ok(got.every((op) => op.batch == null && op.removes.every((dot) => dot.tag == null)))
  })

  it('applies a removal to the dot it names, as before writer keys: seen or not yet', () => {
    const a = unsigned('a')
    const b = unsigned('b')
    const set = decodeOps(loneSet(a, 1))
    a.begin()
    a.delete('key-1')
    const removal = decodeOps(encodeOps(a.commitWithOps()))
    // The removal first: the dot is seen dead, and its entry arriving later stays dead.
    b.integrateOps(removal)
    b.integrateOps(set)
    assert.equal(b.has('key-1'), false)
    assert.deepEqual(b.stateHash(), a.stateHash())
  })

  it('refuses signed ops and signed diffs, changing nothing', async () => {
    const a = unsigned('a')
    a.set('mine', '1')
    const s = signed('s')
    const before = a.stateHash()
    const ops = decodeOps(loneSet(s, 1))
    assert.throws(() => { a.integrateOps(ops) }, WriterKeysMismatchError)
    assert.equal(await a.verifyOps(ops), false)
    const diff = decodeDiff(encodeDiff(s.buildDiff(decodeDiffRequest(encodeDiffRequest(a.requestDiff())))))
    assert.throws(() => { a.integrateDiff(diff) }, WriterKeysMismatchError)
    assert.deepEqual(a.stateHash(), before)
    assert.deepEqual(a.entries(), [['mine', '1']])
  })
})

describe('a store whose writers are bound to keys refuses unsigned input', () => {
  it('unsigned ops: refused as unsigned (InvalidSignatureError, one line), nothing changed', async () => {
    const s = signed('s')
    s.set('mine', '1')
    const before = s.stateHash()
    const ops = decodeOps(loneSet(unsigned('a'), 1))
    assert.throws(() => { s.integrateOps(ops) }, (err: Error) => err instanceof InvalidSignatureError && /writerKeys: false/.test(err.message) && !err.message.includes('\n'))
    assert.equal(await s.verifyOps(ops), false)
    assert.deepEqual(s.stateHash(), before)
  })

  it('an unsigned diff, deaths only included: nothing changed', () => {
    const a = unsigned('a')
    a.set('x', '1')
    a.delete('x')
    const s = signed('s')
    s.set('mine', '1')
    const before = s.stateHash()
    const diff = decodeDiff(encodeDiff(a.buildDiff(decodeDiffRequest(encodeDiffRequest(s.requestDiff())))))
    assert.equal(diff.unsigned, true)
    assert.throws(() => { s.integrateDiff(diff) }, InvalidSignatureError)
    assert.deepEqual(s.stateHash(), before)
  })

  it('an encoder never mixes the two kinds in one message', () => {
    const ops = [...decodeOps(loneSet(unsigned('a'), 1)), ...decodeOps(loneSet(signed('s'), 1))]
    assert.throws(() => encodeOps(ops), /cannot share a message/)
  })
})

describe('a LevelStore remembers whether its writers are bound to keys', () => {
  const dirs: string[] = []
  after(async () => { await Promise.all(dirs.map(async (dir) => { await rm(dir, { recursive: true, force: true }) })) })

  async function location (): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'rm-unsigned-'))
    dirs.push(dir)
    return join(dir, 'store')
  }

  /** The database's files and their bytes (LevelDB's own info log and lock aside). */
  async function files (dir: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {}
    for (const name of (await readdir(dir)).sort()) {
      if (name === 'LOCK' || name.startsWith('LOG')) continue
      out[name] = (await readFile(join(dir, name))).toString('hex')
    }
    return out
  }

  it('an unsigned store reopens unsigned with its entries; opened signed it is refused, its files unchanged', async () => {
    const dir = await location()
    const store = await LevelStore.open<string, string>(dir, { ...text, writerKeys: false })
    assert.equal(store.writerKeys, false)
    store.set('a', '1')
    await store.close()
    const before = await files(dir)
    await assert.rejects(LevelStore.open<string, string>(dir, text), (err: Error) => err instanceof WriterKeysMismatchError && /writerKeys: false/.test(err.message))
    assert.deepEqual(await files(dir), before)
    const again = await LevelStore.open<string, string>(dir, { ...text, writerKeys: false })
    assert.equal(again.writerKeys, false)
    assert.equal(again.get('a'), '1')
    again.set('b', '2')
    const peer = unsigned('peer')
    pull(again as unknown as MemStore<string, string>, peer)
    assert.deepEqual(peer.entries(), [['a', '1'], ['b', '2']])
    await again.close()
  })

  it('a signed store opened with writerKeys: false is refused, its files unchanged', async () => {
    const dir = await location()
    const store = await LevelStore.open<string, string>(dir, text)
    store.set('a', '1')
    await store.close()
    const before = await files(dir)
    await assert.rejects(LevelStore.open<string, string>(dir, { ...text, writerKeys: false }), WriterKeysMismatchError)
    assert.deepEqual(await files(dir), before)
    const again = await LevelStore.open<string, string>(dir, text)
    assert.equal(again.writerKeys, true)
    assert.equal(again.get('a'), '1')
    await again.close()
  })
})
