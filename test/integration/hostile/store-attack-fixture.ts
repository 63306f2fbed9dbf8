import { monitorEventLoopDelay } from 'node:perf_hooks'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { lpStream } from '@libp2p/utils'
import { createLibp2p, type Libp2p } from 'libp2p'
import { DIFF_PROTOCOL } from '../../../src/index.ts'
import { DiffResponseMessage } from '../../../src/protocols/diff/pb/diff.ts'
import { bytes, waitFor, type TestPeer } from '../mesh-fixture.ts'

/** A bare libp2p node on 127.0.0.1 that an attacker drives by hand, with gossipsub when asked. */
export async function attackerNode (withPubsub: boolean): Promise<Libp2p<any>> {
  const services: Record<string, any> = { identify: identify() }
  // The attacker's own gossipsub takes anything: only the victim's limits are under test.
  if (withPubsub) services.pubsub = gossipsub({ allowPublishToZeroTopicPeers: true, maxInboundDataLength: 16 * 1024 * 1024 })
  return await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services
  })
}

/** Joins the attacker to the victim's topic and waits until each sees the other subscribed. */
export async function joinTopic (attacker: Libp2p<any>, victim: TestPeer): Promise<void> {
  const pubsub = attacker.services.pubsub
  pubsub.subscribe(victim.peer.topic)
  await attacker.dial(victim.peer.libp2p.getMultiaddrs()[0])
  await waitFor(() => pubsub.getSubscribers(victim.peer.topic).some((p: any) => p.equals(victim.peer.libp2p.peerId)), 'the victim\'s subscription to reach the attacker')
  await waitFor(() => victim.peer.libp2p.services.pubsub.getSubscribers(victim.peer.topic).some((p: any) => p.equals(attacker.peerId)), 'the attacker\'s subscription to reach the victim')
}

/** Serves every diff request the attacker gets with these frames (already encoded diffs), then DONE. */
export async function serveFrames (attacker: Libp2p<any>, frames: () => Array<Uint8Array<ArrayBuffer>>): Promise<void> {
  await attacker.handle(DIFF_PROTOCOL, async (stream) => {
    const lp = lpStream(stream)
    await lp.read()
    for (const diff of frames()) await lp.write(DiffResponseMessage.encode({ status: DiffResponseMessage.Status.FRAME, diff }))
    await lp.write(DiffResponseMessage.encode({ status: DiffResponseMessage.Status.DONE, diff: new Uint8Array(0) }))
    await stream.close()
  })
}

export interface Impact {
  /** The longest the event loop (shared by every node of this process) was blocked, in ms. */
  maxLagMs: number
  /** Resident memory after minus before, in MiB (no forced GC: an upper bound). */
  rssGrowthMiB: number
}

/** Runs an attack and measures what it cost the process the victim runs in. */
export async function measure (attack: () => Promise<void>): Promise<Impact> {
  const lag = monitorEventLoopDelay({ resolution: 10 })
  const rss = process.memoryUsage().rss
  lag.enable()
  try {
    await attack()
    // Let whatever the attack queued run inside the measurement.
    await new Promise((resolve) => setTimeout(resolve, 200))
  } finally {
    lag.disable()
  }
  return { maxLagMs: Math.round(lag.max / 1e6), rssGrowthMiB: Math.round((process.memoryUsage().rss - rss) / 1024 / 1024) }
}

/** Each of the peers writes a key; resolves once every peer holds every key, or throws after `timeout`. */
export async function writesCross (peers: TestPeer[], label: string, timeout = 5000): Promise<void> {
  const keys = peers.map((p, i) => bytes(`${label}-${i}-${Math.random()}`))
  peers.forEach((p, i) => { p.store.set(keys[i], bytes('1')) })
  await waitFor(() => peers.every((p) => keys.every((k) => p.store.has(k))), `${label}: every peer's write to reach every peer`, timeout)
}
