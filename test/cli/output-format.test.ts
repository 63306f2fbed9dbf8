import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ago, changeLine, entryLine, statusLine, statusText, textField } from '../../src/cli/output-format.ts'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const utf8 = { keyEncoding: 'utf8', valueEncoding: 'utf8' } as const

describe('output', () => {
  it('escapes fields so one entry is one line with one tab', () => {
    assert.equal(textField(text('a\tb\nc\rd\\e'), 'utf8'), 'a\\tb\\nc\\rd\\\\e')
    assert.equal(textField(text('nul\u0000 esc\u001b del\u007f é'), 'utf8'), 'nul\\x00 esc\\x1b del\\x7f é')
    assert.equal(textField(new Uint8Array([0x61, 0xff, 0x0a, 0x5c]), 'utf8'), 'a\\xff\\x0a\\\\')
    assert.equal(entryLine(text('k'), text('v 1'), utf8, false), 'k\tv 1')
    assert.equal(entryLine(text('k'), new Uint8Array([1, 2]), { keyEncoding: 'utf8', valueEncoding: 'hex' }, false), 'k\t0102')
  })

  it('prints JSON lines for scripts, with bytes that are not UTF-8 as { hex }', () => {
    assert.equal(entryLine(text('k'), new Uint8Array([0xff]), utf8, true), '{"key":"k","value":{"hex":"ff"}}')
    assert.equal(changeLine('remote', text('k'), text('v'), utf8, true), '{"origin":"remote","op":"set","key":"k","value":"v"}')
    assert.equal(changeLine('local', text('k'), undefined, utf8, true), '{"origin":"local","op":"del","key":"k","value":null}')
    assert.equal(changeLine('remote', text('k\t'), text('v'), utf8, false), 'set\tk\\t\tv')
    assert.equal(changeLine('remote', text('k'), undefined, utf8, false), 'del\tk')
  })

  it('shows the live status: peers, entries, and how long ago the last sync was', () => {
    const now = 1_000_000_000
    assert.equal(ago(null, now), 'never')
    assert.equal(ago(now - 4_400, now), '4s ago')
    assert.equal(ago(now - 125_000, now), '2m ago')
    assert.equal(ago(now - 7_300_000, now), '2h ago')
    assert.equal(statusLine({ peers: ['a'], entries: 1, lastSync: now - 1000 }, now), '1 peer · 1 entry · last sync 1s ago')
    assert.equal(statusLine({ peers: [], entries: 12, lastSync: null }, now), '0 peers · 12 entries · last sync never')
    const status = { peerId: 'P', mesh: 'm', dataDir: '/d', pid: 7, addresses: ['/a1', '/a2'], peers: ['Q'], entries: 2, lastSync: null, stateHash: 'ab', startedAt: 0 }
    assert.equal(statusText(status, now), [
      'peer      P (pid 7)', 'mesh      m', 'data      /d', 'status    1 peer · 2 entries · last sync never', 'state     ab',
      'listening /a1', '          /a2', 'peers     Q'
    ].join('\n'))
  })
})
