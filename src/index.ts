/**
 * roaring-mesh for Node.js: the store, its wire formats and the peer, with CRoaring's native
 * addon as the bitmap backend.
 *
 * @packageDocumentation
 */
import { useBitmapBackend } from './store/bitmap/backend.ts'
import { useEd25519Backend } from './store/writer-keys/ed25519.ts'
import { nodeEd25519, nodeSha256 } from './store/writer-keys/node-ed25519.ts'
import { useSha256 } from './store/writer-keys/batch-digest.ts'
import { useParallelVerifier } from './store/writer-keys/parallel-verifier.ts'
import { NodeVerifyPool } from './store/writer-keys/node-verify-pool.ts'
import { nativeBackend } from './store/bitmap/native.ts'
import { classicLevelBackend } from './store/level/classic-level-backend.ts'
import { useLevelBackend } from './store/level/level-backend.ts'
import { useAead } from './protocols/topic/aead/aead.ts'
import { nodeAesGcm } from './protocols/topic/aead/node-aead.ts'

useEd25519Backend(nodeEd25519)
useSha256(nodeSha256)
useParallelVerifier(new NodeVerifyPool())
useBitmapBackend(nativeBackend)
useLevelBackend(classicLevelBackend)
useAead(nodeAesGcm)

export * from './public-api.ts'
export { nodePreset, type NodePresetOptions } from './node/presets/node-preset.ts'
export { relayPreset, type RelayPresetOptions } from './node/presets/relay-preset.ts'
export { DiscoveryDialer, type DiscoveryDialerOptions, type DiscoveryDialerStats, type DialerNode } from './node/discovery-dialer.ts'
// What a Node.js peer of a browser mesh uses: the relay's side of discovery, links to relays
// that heal, and a key file so a relay or daemon keeps its peer id across restarts.
export { BrowserDiscovery, type BrowserDiscoveryOptions, type DiscoveryStats } from './node/browser/browser-discovery.ts'
export { discoveryTopic, isDirectWebRTC } from './node/browser/discovery-announcement.ts'
export { RelayLink, type RelayLinkOptions, type RelayLinkState } from './node/browser/relay-link.ts'
export { RelayLinks, type RelayLinksOptions, type RelaySource } from './node/browser/relay-links.ts'
export { loadOrCreatePeerKey } from './node/peer-key-file.ts'
