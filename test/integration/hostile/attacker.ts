import { monitorEventLoopDelay } from 'node:perf_hooks'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'
import { diffSync, type DiffSyncInit } from '../../../src/index.ts'
import { waitFor, type TestPeer } from '../mesh-fixture.ts'
import type { GossipSub } from '@libp2p/gossipsub'

/**
 * A bare libp2p node on 127.0.0.1 that an attacker drives by hand: gossipsub with its defaults
 * (no inbound limit, no scoring of our topic), and the diff protocol if asked for.
 */
export async function attackerNode (services: { pubsub?: boolean, diff?: DiffSyncInit } = {}): Promise<Libp2p<any>> {
  const chosen: Record<string, any> = { identify: identify() }
  if (services.pubsub === true) chosen.pubsub = gossipsub({ allowPublishToZeroTopicPeers: true })
  if (services.diff != null) chosen.diffSync = diffSync(services.diff)
  return await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: chosen
  })
}

/** Connects the attacker to the victim and waits until each has the other subscribed to the mesh topic. */
export async function joinTopic (attacker: Libp2p<any>, victim: TestPeer): Promise<void> {
  const pubsub: GossipSub = attacker.services.pubsub
  pubsub.subscribe(victim.peer.topic)
  await attacker.dial(victim.peer.libp2p.getMultiaddrs()[0])
  const victimId = victim.peer.libp2p.peerId
  await waitFor(() => pubsub.getSubscribers(victim.peer.topic).some((p) => p.equals(victimId)), 'the victim\'s subscription to reach the attacker')
  await waitFor(() => victim.peer.libp2p.services.pubsub.getSubscribers(victim.peer.topic).some((p) => p.equals(attacker.peerId)), 'the attacker\'s subscription to reach the victim')
}

/** The victim's gossipsub internals a test reads: scores and mesh membership. */
export function gossipOf (peer: TestPeer): { getScore: (id: string) => number, getMeshPeers: (topic: string) => string[], opts: { maxInboundDataLength?: number, scoreThresholds: { graylistThreshold: number } } } {
  return peer.peer.libp2p.services.pubsub as any
}

/** What the process's event loop and memory did over an attack, for the test's report. */
export interface LoadReport {
  /** Delay samples taken: none when the loop was never idle long enough to take one. */
  samples: number
  maxLagMs: number
  p99LagMs: number
  rssGrowthMiB: number
}

/**
 * Watches the event loop's delay (every node of a test shares the process's loop, so this is
 * an upper bound on the victim's) and RSS, after a GC when the process exposes one.
 */
export function watchLoad (): { stop: () => LoadReport } {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  const rss = process.memoryUsage().rss
  const histogram = monitorEventLoopDelay({ resolution: 10 })
  histogram.enable()
  return {
    stop: () => {
      histogram.disable()
      gc?.()
      return {
        samples: histogram.count,
        maxLagMs: histogram.max / 1e6,
        p99LagMs: histogram.percentile(99) / 1e6,
        rssGrowthMiB: (process.memoryUsage().rss - rss) / 2 ** 20
      }
    }
  }
}

export function report (what: string, load: LoadReport, extra = ''): void {
  const lag = load.samples === 0 ? 'event-loop lag not sampled' : `event-loop lag max ${load.maxLagMs.toFixed(0)} ms, p99 ${load.p99LagMs.toFixed(0)} ms`
  process.stdout.write(`# ${what}: ${lag} (${load.samples} samples), RSS ${load.rssGrowthMiB >= 0 ? '+' : ''}${load.rssGrowthMiB.toFixed(0)} MiB${extra}\n`)
}
