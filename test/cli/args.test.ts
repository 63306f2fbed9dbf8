import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseCommandLine, type Invocation } from '../../src/cli/args.ts'
import { formatBytes, parseBytes } from '../../src/cli/byte-encoding.ts'
import { CliError, ExitCode } from '../../src/cli/cli-error.ts'
import { DEFAULT_CONFIG, checkConfig, mergeConfig } from '../../src/cli/config.ts'
import { defaultDataDir } from '../../src/cli/data-dir.ts'

function run (argv: string[]): Invocation {
  const parsed = parseCommandLine(argv)
  assert.equal(parsed.kind, 'run')
  return (parsed as { invocation: Invocation }).invocation
}

function usageError (fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof CliError && err.exitCode === ExitCode.usage && message.test(err.message))
}

describe('command line', () => {
  it('reads a client command with its key, value and options', () => {
    assert.deepEqual(run(['set', 'k', 'v', '--data', '/d', '--json', '--value-encoding', 'hex']), {
      command: 'set', dataDir: '/d', json: true, keyEncoding: 'utf8', valueEncoding: 'hex', key: 'k', value: 'v', peer: {}, salvage: false, file: undefined
    })
    assert.equal(run(['list', '-p', 'todo/']).key, 'todo/')
    assert.equal(run(['get', '--', '--dashed']).key, '--dashed')
  })

  it('reads peer flags as settings that override the config file', () => {
    const { peer } = run(['peer', '-m', 'home', '--listen', '/ip4/0.0.0.0/tcp/4001', '-b', '/ip4/1.2.3.4/tcp/1/p2p/x', '-b', '/dns4/y/tcp/2/p2p/z', '--no-mdns', '--target-connections', '3'])
    assert.deepEqual(peer, { mesh: 'home', listen: ['/ip4/0.0.0.0/tcp/4001'], bootstrap: ['/ip4/1.2.3.4/tcp/1/p2p/x', '/dns4/y/tcp/2/p2p/z'], mdns: false, targetConnections: 3 })
    assert.deepEqual(mergeConfig({ mesh: 'file', mdns: true, maxBackoffMs: 5 }, peer), { ...DEFAULT_CONFIG, ...peer, maxBackoffMs: 5 })
    assert.deepEqual(mergeConfig({}, {}), DEFAULT_CONFIG)
    assert.equal(run(['peer', '--salvage']).salvage, true)
    assert.equal(run(['peer']).salvage, false)
  })

  it('reads --no-writer-keys (and the config key writerKeys) for a mesh whose members all trust each other', () => {
    assert.equal(run(['peer', '--no-writer-keys']).peer.writerKeys, false)
    assert.equal(run(['peer', '--writer-keys']).peer.writerKeys, true)
    assert.equal(run(['peer']).peer.writerKeys, undefined)
    assert.equal(DEFAULT_CONFIG.writerKeys, true)
    assert.equal(mergeConfig({ writerKeys: false }, {}).writerKeys, false)
    assert.match((parseCommandLine(['peer', '--help']) as { text: string }).text, /--no-writer-keys/)
  })

  it('reads export and import with an optional file', () => {
    assert.equal(run(['export']).file, undefined)
    assert.equal(run(['export', 'backup.jsonl', '-d', '/d']).file, 'backup.jsonl')
    assert.equal(run(['import', '-']).file, '-')
    usageError(() => parseCommandLine(['import', 'a', 'b']), /import takes \[FILE\], got 2/)
  })

  it('gives help for every command and for none', () => {
    for (const command of ['peer', 'get', 'set', 'del', 'list', 'watch', 'status', 'export', 'import']) {
      const parsed = parseCommandLine([command, '--help'])
      assert.equal(parsed.kind, 'help')
      assert.match((parsed as { text: string }).text, new RegExp(`^usage: roaring-mesh ${command}`))
      assert.deepEqual(parseCommandLine(['help', command]), parsed)
    }
    for (const argv of [[], ['--help'], ['-h'], ['help']]) assert.match((parseCommandLine(argv) as { text: string }).text, /^usage: roaring-mesh <command>/)
  })

  it('refuses bad usage with exit code 2 and a message that says what to fix', () => {
    usageError(() => parseCommandLine(['frobnicate']), /unknown command "frobnicate"/)
    usageError(() => parseCommandLine(['get']), /get takes KEY, got 0/)
    usageError(() => parseCommandLine(['set', 'k']), /set takes KEY VALUE, got 1/)
    usageError(() => parseCommandLine(['list', 'extra']), /list takes no arguments/)
    usageError(() => parseCommandLine(['get', 'k', '--bogus']), /^get: unknown option --bogus \(see roaring-mesh get --help\)$/)
    usageError(() => parseCommandLine(['get', 'k', '--key-encoding', 'rot13']), /--key-encoding must be one of utf8, hex, base64/)
    usageError(() => parseCommandLine(['peer', '--target-connections', 'many']), /flags: "targetConnections" must be a positive integer, got "many"$/)
    usageError(() => parseCommandLine(['peer', '--json']), /unknown option --json/)
    usageError(() => parseCommandLine(['peer', '--bootstrap', 'garbage']), /^flags: bootstrap address "garbage" is not a multiaddr/)
    usageError(() => parseCommandLine(['peer', '--listen', 'notanaddr']), /^flags: listen address "notanaddr" is not a multiaddr/)
    usageError(() => parseCommandLine(['peer', '--bootstrap', '/ip4/127.0.0.1/tcp/4001']), /bootstrap address "\/ip4\/127\.0\.0\.1\/tcp\/4001" names no peer: it must end in \/p2p\/<peer id>/)
  })
})

describe('config file settings', () => {
  it('refuses unknown settings and wrong types, naming the file', () => {
    assert.deepEqual(checkConfig({ mesh: 'home', mdns: false }, 'c.json'), { mesh: 'home', mdns: false })
    usageError(() => checkConfig({ mesch: 'home' }, 'c.json'), /^c\.json: unknown setting "mesch"/)
    usageError(() => checkConfig({ listen: '/ip4/0.0.0.0/tcp/1' }, 'c.json'), /"listen" must be a list of multiaddr strings/)
    usageError(() => checkConfig({ maxBackoffMs: -1 }, 'c.json'), /"maxBackoffMs" must be a positive integer/)
  })
})

describe('key and value encodings', () => {
  it('reads utf8, hex and base64, and refuses text not in the encoding', () => {
    assert.deepEqual(parseBytes('hé', 'utf8', 'key'), new Uint8Array([0x68, 0xc3, 0xa9]))
    assert.deepEqual(parseBytes('00ff', 'hex', 'key'), new Uint8Array([0, 255]))
    assert.deepEqual(parseBytes('AP8=', 'base64', 'key'), new Uint8Array([0, 255]))
    assert.deepEqual(parseBytes('', 'hex', 'key'), new Uint8Array())
    usageError(() => parseBytes('0f0', 'hex', 'key'), /^bad key encoding: "0f0" is not hex/)
    usageError(() => parseBytes('zz', 'hex', 'value'), /^bad value encoding/)
    usageError(() => parseBytes('AP8', 'base64', 'key'), /is not base64/)
    usageError(() => parseBytes('A-8=', 'base64', 'key'), /is not base64/)
  })

  it('prints bytes back, and reports bytes that are not UTF-8', () => {
    const bytes = new Uint8Array([0, 255])
    assert.equal(formatBytes(bytes, 'hex'), '00ff')
    assert.equal(formatBytes(bytes, 'base64'), 'AP8=')
    assert.equal(formatBytes(bytes, 'utf8'), undefined)
    assert.equal(formatBytes(new TextEncoder().encode('hé'), 'utf8'), 'hé')
  })
})

describe('default data directory', () => {
  it('follows ROARING_MESH_DATA, then XDG_DATA_HOME, then the platform', () => {
    assert.equal(defaultDataDir({ ROARING_MESH_DATA: '/srv/rm', XDG_DATA_HOME: '/x' }, 'linux', '/home/u'), '/srv/rm')
    assert.equal(defaultDataDir({ XDG_DATA_HOME: '/x' }, 'linux', '/home/u'), '/x/roaring-mesh')
    assert.equal(defaultDataDir({}, 'linux', '/home/u'), '/home/u/.local/share/roaring-mesh')
    assert.equal(defaultDataDir({}, 'darwin', '/Users/u'), '/Users/u/Library/Application Support/roaring-mesh')
  })
})
