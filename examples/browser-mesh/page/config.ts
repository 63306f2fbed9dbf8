/** What the page needs to join a mesh: from the server's `config.json`, overridden by the URL. */
export interface PageConfig {
  /** The mesh (shared store) to join. */
  mesh: string
  /** The relay/bootstrap node's WebSockets multiaddr, or null to rely on other tabs only. */
  relay: string | null
  /** STUN/TURN servers for WebRTC; `[]` keeps every byte on the local network; undefined takes libp2p's public STUN servers. */
  iceServers: RTCIceServer[] | undefined
  /** The mesh key from the URL's fragment (`#key=…`), which browsers never send to a server; undefined: an open mesh. */
  meshKey: string | undefined
}

/**
 * Reads `config.json`, then the URL: `?mesh=name`, `?relay=<multiaddr>|none`,
 * `?stun=stun:host:port,…|none`, and the mesh key from the fragment, `#key=…`.
 */
export async function loadConfig (): Promise<PageConfig> {
  const response = await fetch('config.json')
  const served = (response.ok ? await response.json() : {}) as Partial<PageConfig>
  const params = new URL(location.href).searchParams
  const relay = params.get('relay') ?? served.relay ?? null
  const stun = params.get('stun')
  return {
    mesh: params.get('mesh') ?? served.mesh ?? 'browser-mesh',
    relay: relay === 'none' || relay === '' ? null : relay,
    iceServers: stun == null ? served.iceServers : stun === 'none' ? [] : [{ urls: stun.split(',') }],
    meshKey: new URLSearchParams(location.hash.slice(1)).get('key') ?? undefined
  }
}
