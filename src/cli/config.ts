import { readFile } from 'node:fs/promises'
import { multiaddr } from '@multiformats/multiaddr'
import { TCP, WebSockets, WebSocketsSecure } from '@multiformats/multiaddr-matcher'
import { CliError, ExitCode } from './cli-error.ts'

/** What `roaring-mesh peer` runs with: the config file's settings, overridden by flags. */
export interface PeerConfig {
  /** The mesh (shared store) to join. @default 'default' */
  mesh: string
  /** Multiaddrs to listen on. @default TCP and WebSockets on every IPv4 interface, ports picked by the OS */
  listen: string[]
  /** Multiaddrs (with /p2p/<id>) of peers to connect to, beyond the local network. @default [] */
  bootstrap: string[]
  /** Find peers on the local network by multicast DNS. @default true */
  mdns: boolean
  /** Keep dialing discovered peers while fewer than this many are connected. @default 8 */
  targetConnections: number
  /** The longest wait before redialing a peer whose dials failed, in ms. @default 30000 */
  maxBackoffMs: number
  /** How often to ask the local network for peers, in ms. @default 10000 */
  mdnsIntervalMs: number
  /** Run an open mesh (no mesh key: anyone who can reach the peer reads and writes the store). @default false */
  open: boolean
  /**
   * Bind writers to keys (`--no-writer-keys` sets false: for a mesh whose members all trust each
   * other; any member can then write as another). The store remembers it. @default true
   */
  writerKeys: boolean
}

export const DEFAULT_CONFIG: Readonly<PeerConfig> = Object.freeze({
  mesh: 'default',
  listen: ['/ip4/0.0.0.0/tcp/0', '/ip4/0.0.0.0/tcp/0/ws'],
  bootstrap: [],
  mdns: true,
  targetConnections: 8,
  maxBackoffMs: 30_000,
  mdnsIntervalMs: 10_000,
  open: false,
  writerKeys: true
})

type Check = (value: unknown) => boolean
const isStringList: Check = (value) => Array.isArray(value) && value.every((item) => typeof item === 'string')
const isPositiveInteger: Check = (value) => Number.isSafeInteger(value) && (value as number) > 0

const CHECKS: Record<keyof PeerConfig, [Check, string]> = {
  mesh: [(value) => typeof value === 'string' && value.length > 0, 'a non-empty string'],
  listen: [isStringList, 'a list of multiaddr strings'],
  bootstrap: [isStringList, 'a list of multiaddr strings'],
  mdns: [(value) => typeof value === 'boolean', 'true or false'],
  targetConnections: [isPositiveInteger, 'a positive integer'],
  maxBackoffMs: [isPositiveInteger, 'a positive integer (ms)'],
  mdnsIntervalMs: [isPositiveInteger, 'a positive integer (ms)'],
  open: [(value) => typeof value === 'boolean', 'true or false'],
  writerKeys: [(value) => typeof value === 'boolean', 'true or false']
}

/** Why `address` cannot be listened on or dialled, or undefined if it can be read. */
function addressProblem (address: string, needsPeerId: boolean): string | undefined {
  let parsed
  try {
    parsed = multiaddr(address)
  } catch {
    return 'is not a multiaddr (one looks like /ip4/192.168.1.5/tcp/4001)'
  }
  // A bootstrap address without the peer's id is dialled but never trusted as that peer.
  if (needsPeerId && parsed.getComponents().every((component) => component.name !== 'p2p')) return 'names no peer: it must end in /p2p/<peer id>, as `roaring-mesh status` prints'
  // libp2p would refuse it only once started, in a paragraph about its transport manager.
  if (!needsPeerId && ![TCP, WebSockets, WebSocketsSecure].some((matcher) => matcher.exactMatch(parsed))) return 'cannot be listened on: the peer listens on TCP and WebSockets, as /ip4/0.0.0.0/tcp/4001 or /ip4/0.0.0.0/tcp/4002/ws'
  return undefined
}

/** Checks settings from the config file or flags; `source` names where they came from in the error. */
export function checkConfig (settings: Record<string, unknown>, source: string): Partial<PeerConfig> {
  for (const [name, value] of Object.entries(settings)) {
    const check = CHECKS[name as keyof PeerConfig]
    if (check == null) throw new CliError(ExitCode.usage, `${source}: unknown setting "${name}" (known: ${Object.keys(CHECKS).join(', ')})`)
    if (!check[0](value)) throw new CliError(ExitCode.usage, `${source}: "${name}" must be ${check[1]}, got ${JSON.stringify(value)}`)
    if (name === 'listen' || name === 'bootstrap') {
      for (const address of value as string[]) {
        const problem = addressProblem(address, name === 'bootstrap')
        if (problem != null) throw new CliError(ExitCode.usage, `${source}: ${name} address ${JSON.stringify(address)} ${problem}`)
      }
    }
  }
  return settings as Partial<PeerConfig>
}

/** The settings in the config file at `path`; none if there is no file. */
export async function readConfigFile (path: string): Promise<Partial<PeerConfig>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err: any) {
    if (err.code === 'ENOENT') return {}
    throw new CliError(ExitCode.usage, `cannot read ${path}: ${err.message}`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err: any) {
    throw new CliError(ExitCode.usage, `${path} is not valid JSON: ${err.message}`)
  }
  if (typeof parsed !== 'object' || parsed == null || Array.isArray(parsed)) throw new CliError(ExitCode.usage, `${path} must hold a JSON object of settings`)
  return checkConfig(parsed as Record<string, unknown>, path)
}

/** Defaults, then the file, then flags: a setting given later wins. */
export function mergeConfig (file: Partial<PeerConfig>, flags: Partial<PeerConfig>): PeerConfig {
  const defined = (settings: Partial<PeerConfig>): Partial<PeerConfig> => Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined))
  return { ...DEFAULT_CONFIG, ...defined(file), ...defined(flags) }
}
