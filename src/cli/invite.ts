import { CliError, ExitCode } from './cli-error.ts'

/** What it takes to join a private mesh: its name, its key, and where to reach a peer of it. */
export interface Invite {
  mesh: string
  key: string
  /** Multiaddrs of the inviting peer, with its /p2p/ id. */
  addresses: string[]
}

const PREFIX = 'roaring-mesh://invite/'

/** One line, safe to paste anywhere: `roaring-mesh://invite/<base64url of JSON>`. It holds the mesh key: send it only to members. */
export function encodeInvite (invite: Invite): string {
  const json = JSON.stringify({ v: 1, mesh: invite.mesh, key: invite.key, addrs: invite.addresses })
  return PREFIX + Buffer.from(json, 'utf8').toString('base64url')
}

export function decodeInvite (text: string): Invite {
  const bad = (why: string): CliError => new CliError(ExitCode.usage, `--join: not a roaring-mesh invite (${why}); run "roaring-mesh invite" on a peer of the mesh to get one`)
  const trimmed = text.trim()
  if (!trimmed.startsWith(PREFIX)) throw bad(`it does not start with ${PREFIX}`)
  let parsed: any
  try {
    parsed = JSON.parse(Buffer.from(trimmed.slice(PREFIX.length), 'base64url').toString('utf8'))
  } catch {
    throw bad('it does not decode')
  }
  if (parsed?.v !== 1) throw bad(`version ${String(parsed?.v)}`)
  if (typeof parsed.mesh !== 'string' || parsed.mesh === '') throw bad('no mesh name')
  if (typeof parsed.key !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(parsed.key)) throw bad('no mesh key')
  if (!Array.isArray(parsed.addrs) || !parsed.addrs.every((a: unknown) => typeof a === 'string')) throw bad('no addresses')
  return { mesh: parsed.mesh, key: parsed.key, addresses: parsed.addrs }
}
