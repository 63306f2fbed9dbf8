import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'
import { generateMeshKey } from '../../../src/index.ts'
import { relayPreset } from '../../../src/node/presets/relay-preset.ts'
import { waitFor } from '../mesh-fixture.ts'
import { RelayStatus, reserve, startPrivatePeer, type PrivatePeer } from './private-fixture.ts'

/** A fresh identity with nothing but TCP: what an attacker spins up by the hundred. */
async function throwaway (): Promise<Libp2p> {
  return await createLibp2p({
    addresses: { listen: [] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  })
}

const BATCHES = Number(process.env.BATCHES ?? 10)
const BATCH = 20

describe('a private mesh\'s relay', { timeout: 150_000 }, () => {
  const meshKey = generateMeshKey()
  const members: PrivatePeer[] = []
  let relay: Libp2p<any>

  after(async () => {
    await Promise.all(members.map(async ({ peer }) => { await peer.stop() }))
    await relay?.stop()
  })

  it('reserves for members only, and 200 throwaway identities cannot take the slots members need', async () => {
    relay = await createLibp2p(relayPreset({ listen: ['/ip4/127.0.0.1/tcp/0'], meshKey, maxReservations: 16, proofTimeout: 1500 }))
    const address = relay.getMultiaddrs()[0]

    const started = performance.now()
    let denied = 0
    const statuses = new Map<number, number>()
    for (let batch = 0; batch < BATCHES; batch++) {
      await Promise.all(Array.from({ length: BATCH }, async () => {
        const node = await throwaway()
        try {
          await node.dial(address, { signal: AbortSignal.timeout(10_000) })
          const status = await reserve(node, relay.peerId)
          statuses.set(status, (statuses.get(status) ?? 0) + 1)
          if (status !== RelayStatus.OK) denied++
        } catch {
          // Refused and disconnected before it could even ask: as good as a denial.
          denied++
        } finally {
          await node.stop()
        }
      }))
    }
    process.stdout.write(`# 200 throwaway identities: ${denied} denied in ${Math.round(performance.now() - started)} ms, statuses ${JSON.stringify([...statuses])}\n`)
    assert.equal(denied, BATCHES * BATCH, 'no throwaway identity got a reservation')
    assert.equal(relay.services.relay.reservations.size, 0)

    for (let i = 0; i < 3; i++) members.push(await startPrivatePeer({ meshKey }))
    for (const member of members) {
      await member.peer.libp2p.dial(address)
      assert.equal(await reserve(member.peer.libp2p, relay.peerId), RelayStatus.OK, 'a member reserves')
    }
    assert.equal(relay.services.relay.reservations.size, 3)
  })

  it('an outsider with a wrong key is denied too, and a member\'s reservation ends when it leaves', async () => {
    const outsider = await startPrivatePeer({ meshKey: generateMeshKey() })
    members.push(outsider)
    await outsider.peer.libp2p.dial(relay.getMultiaddrs()[0])
    const status = await reserve(outsider.peer.libp2p, relay.peerId).catch(() => RelayStatus.PERMISSION_DENIED)
    assert.equal(status, RelayStatus.PERMISSION_DENIED)

    const leaving = members[0]
    assert.ok(relay.services.relay.reservations.has(leaving.peer.libp2p.peerId))
    const left = performance.now()
    await leaving.peer.libp2p.hangUp(relay.peerId)
    await waitFor(() => !relay.services.relay.reservations.has(leaving.peer.libp2p.peerId), 'the relay to drop the reservation of the peer that left')
    process.stdout.write(`# a relay keeps the reservation of a peer that left for ${Math.round(performance.now() - left)} ms (libp2p alone: the whole TTL)\n`)
  })
})
