/**
 * roaring-mesh for browsers: the same API as on Node.js, with roaring-wasm as the bitmap backend,
 * and the browser wing: `createBrowserPeer` (IndexedDB, WebRTC discovery, relay links that heal,
 * the tab channel) and its parts.
 *
 * @packageDocumentation
 */
import { useBitmapBackend } from './store/bitmap/backend.ts'
import { useEd25519Backend } from './store/writer-keys/ed25519.ts'
import { webCryptoEd25519 } from './store/writer-keys/webcrypto-ed25519.ts'
import { wasmBackend } from './store/bitmap/wasm.ts'
import { browserLevelBackend } from './store/level/browser-level-backend.ts'
import { useLevelBackend } from './store/level/level-backend.ts'

useEd25519Backend(webCryptoEd25519)
useBitmapBackend(wasmBackend)
useLevelBackend(browserLevelBackend)

export * from './public-api.ts'
export { browserPreset, type BrowserPresetOptions } from './node/presets/browser-preset.ts'
// The browser wing: one call for a browser peer, and its parts for apps that wire their own.
export { createBrowserPeer, type CreateBrowserPeerOptions } from './node/browser/create-browser-peer.ts'
export { BrowserPeer, type BrowserPeerEvents } from './node/browser/browser-peer.ts'
export type { BrowserPeerState, BrowserPeerStatus } from './node/browser/browser-peer-status.ts'
export type { HeardMember } from './node/browser/mesh-members.ts'
export { TabChannel, type TabChannelOptions, type TabChannelStats, type TabChannelStore } from './node/browser/tab-channel.ts'
export { tabReplicaName } from './node/browser/tab-identity.ts'
export { BrowserDiscovery, type BrowserDiscoveryOptions, type DiscoveryStats } from './node/browser/browser-discovery.ts'
export { discoveryTopic, isDirectWebRTC } from './node/browser/discovery-announcement.ts'
export { RelayLink, type RelayLinkOptions, type RelayLinkState } from './node/browser/relay-link.ts'
export { RelayLinks, type RelayLinksOptions, type RelaySource } from './node/browser/relay-links.ts'
