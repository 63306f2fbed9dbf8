import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { MemStore } from '../../src/index.ts'
import { CliError, ExitCode } from '../../src/cli/cli-error.ts'
import { ControlClient } from '../../src/cli/control-client.ts'
import { MAX_LINE_BYTES, fromBase64, toBase64, type PeerStatus } from '../../src/cli/control-protocol.ts'
import { ControlServer } from '../../src/cli/control-server.ts'

const b64 = (text: string): string => toBase64(new TextEncoder().encode(text))
const text = (base64: string): string => new TextDecoder().decode(fromBase64(base64))

describe('control socket', () => {
  let dir: string
  let socket: string
  let server: ControlServer
  const store = new MemStore<Uint8Array, Uint8Array>('test')
  const status = { peerId: 'P', entries: 0 } as PeerStatus
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rm-control-'))
    socket = join(dir, 'control.sock')
    // What a killed peer leaves behind is replaced.
    await writeFile(socket, 'stale')
    server = new ControlServer(store, () => status)
    await server.listen(socket)
  })
  after(async () => {
    await server.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('is a socket only its owner can open', async () => {
    const info = await stat(socket)
    assert.ok(info.isSocket())
    assert.equal(info.mode & 0o777, 0o600)
  })

  it('answers set, get, del, list and status', async () => {
    const client = await ControlClient.connect(socket, dir)
    try {
      assert.deepEqual(await client.request({ op: 'set', key: b64('a/1'), value: b64('one') }), { id: 1, ok: true })
      await client.request({ op: 'set', key: b64('b/2'), value: b64('two') })
      assert.equal(text((await client.request({ op: 'get', key: b64('a/1') }) as { value: string }).value), 'one')
      assert.deepEqual(await client.request({ op: 'get', key: b64('zzz') }), { id: 4, ok: true, value: null })
      const listed = await client.request({ op: 'list', prefix: b64('b/') }) as { entries: Array<[string, string]> }
      assert.deepEqual(listed.entries.map(([k, v]) => [text(k), text(v)]), [['b/2', 'two']])
      assert.deepEqual(await client.request({ op: 'del', key: b64('b/2') }), { id: 6, ok: true, deleted: true })
      assert.deepEqual(await client.request({ op: 'del', key: b64('b/2') }), { id: 7, ok: true, deleted: false })
      assert.deepEqual((await client.request({ op: 'status' }) as { status: PeerStatus }).status, status)
    } finally {
      client.close()
    }
  })

  it('streams changes to a watcher until it disconnects', async () => {
    const watcher = await ControlClient.connect(socket, dir)
    const seen: string[] = []
    await watcher.watch((change) => { seen.push(`${change.origin} ${text(change.key)}=${change.value == null ? '-' : text(change.value)}`) })
    store.set(new TextEncoder().encode('w'), new TextEncoder().encode('1'))
    store.delete(new TextEncoder().encode('w'))
    const writer = await ControlClient.connect(socket, dir)
    await writer.request({ op: 'set', key: b64('w'), value: b64('2') })
    writer.close()
    while (seen.length < 3) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.deepEqual(seen, ['local w=1', 'local w=-', 'local w=2'])
    watcher.close()
    await watcher.closed()
  })

  it('reports a key the store refuses as invalid, and garbage as a bad request, and keeps serving', async () => {
    const client = await ControlClient.connect(socket, dir)
    const huge = toBase64(new Uint8Array(5000))
    const refused = await client.request({ op: 'set', key: huge, value: b64('x') })
    assert.equal(refused.ok, false)
    assert.equal((refused as { error: { code: string } }).error.code, 'invalid-argument')
    client.close()

    const raw = connect(socket)
    let reply = ''
    raw.on('data', (chunk) => { reply += String(chunk) })
    raw.write('not json\n')
    while (!reply.includes('\n')) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.deepEqual(JSON.parse(reply), { id: -1, ok: false, error: { code: 'bad-request', message: 'not a JSON request line' } })
    // A line without end is cut off rather than buffered for ever.
    const closed = new Promise((resolve) => raw.on('close', resolve))
    raw.on('error', () => {})
    raw.write('x'.repeat(MAX_LINE_BYTES + 10))
    await closed

    const again = await ControlClient.connect(socket, dir)
    assert.equal((await again.request({ op: 'status' })).ok, true)
    again.close()
  })

  it('says no peer is running when there is no socket', async () => {
    await assert.rejects(ControlClient.connect(join(dir, 'none.sock'), '/data/x'), (err: unknown) =>
      err instanceof CliError && err.exitCode === ExitCode.notRunning && /no peer is running on \/data\/x \(start one with: roaring-mesh peer --data \/data\/x\)/.test(err.message))
  })
})
