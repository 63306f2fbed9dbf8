import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidArgumentError } from '../../../src/store/errors.ts'
import { createBrowserPeer } from '../../../src/node/browser/create-browser-peer.ts'

// The browser peer itself runs in Chromium (test/integration/browser/readme-app.test.ts); what
// it refuses, it refuses before it touches a browser API.
describe('createBrowserPeer', () => {
  it('refuses a relay address it could never dial as that relay, in one typed line', async () => {
    await assert.rejects(createBrowserPeer({ relays: ['garbage'] }), (err: unknown) => err instanceof InvalidArgumentError && /relay address "garbage" is not a multiaddr/.test(err.message))
    await assert.rejects(createBrowserPeer({ relays: ['/ip4/127.0.0.1/tcp/9090/ws'] }), (err: unknown) => err instanceof InvalidArgumentError && /names no peer: it must end in \/p2p\/<peer id>/.test(err.message))
  })
})
