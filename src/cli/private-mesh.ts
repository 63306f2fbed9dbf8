import { generateMeshKey, parseMeshKey, privateServiceTag } from '../node/mesh-key.ts'
import { CliError, ExitCode } from './cli-error.ts'
import { decodeInvite } from './invite.ts'
import { readMeshKey, writeMeshKey } from './mesh-key-file.ts'
import type { Invocation } from './args.ts'
import type { PeerConfig } from './config.ts'
import type { dataFiles } from './data-dir.ts'
import type { MeshPeer } from '../index.ts'

export interface DaemonMesh {
  /** The mesh key; undefined for an open mesh. */
  key: string | undefined
  /** The mDNS service name the key derives; undefined for an open mesh. */
  serviceTag: string | undefined
  /** Whether the key is new (first start, or an invite): `save()` writes it once the data directory is known to be this mesh's. */
  created: boolean
  save: () => Promise<void>
}

/**
 * Which mesh the daemon runs, and under which key: the data directory's key, or on its first
 * start the invite's (whose mesh name and addresses go into `config`) or a fresh one; none with
 * `--open`, which a directory holding a key refuses (its store is a private mesh's).
 */
export async function meshKeyFor (invocation: Invocation, config: PeerConfig, files: ReturnType<typeof dataFiles>): Promise<DaemonMesh> {
  const kept = await readMeshKey(files.meshKey)
  if (config.open) {
    if (invocation.join != null) throw new CliError(ExitCode.usage, '--open and --join do not go together: an invite is to a private mesh')
    if (kept != null) throw new CliError(ExitCode.usage, `${files.meshKey} holds this directory's mesh key: its store belongs to a private mesh; run --open with another --data directory`)
    return { key: undefined, serviceTag: undefined, created: false, save: async () => {} }
  }
  let key = kept
  if (invocation.join != null) {
    const invite = decodeInvite(invocation.join)
    if (invocation.peer.mesh != null && invocation.peer.mesh !== invite.mesh) throw new CliError(ExitCode.usage, `the invite is to mesh "${invite.mesh}", not "${invocation.peer.mesh}"`)
    if (kept != null && kept !== invite.key) throw new CliError(ExitCode.usage, `${files.meshKey} holds the key of another mesh than the invite's: join with a new --data directory`)
    config.mesh = invite.mesh
    config.bootstrap = [...new Set([...config.bootstrap, ...invite.addresses])]
    key = invite.key
  }
  const created = kept == null
  key ??= generateMeshKey()
  const chosen = key
  return {
    key: chosen,
    serviceTag: privateServiceTag(parseMeshKey(chosen), config.mesh),
    created,
    save: async () => { await writeMeshKey(files.meshKey, chosen) }
  }
}

/** Prints the first refusal of each peer that did not prove the key (a peer of another mesh, or an outsider): once, naming it. */
export function reportRefusals (peer: MeshPeer<any, any>, err: (line: string) => void): void {
  const proof = peer.libp2p.services.meshProof
  if (proof == null) return
  const reported = new Set<string>()
  proof.addEventListener('refused', (event) => {
    const id = event.detail.peer.toString()
    if (reported.has(id)) return
    if (reported.size >= 1024) reported.clear()
    reported.add(id)
    err(`refused ${id}: it did not prove this mesh's key (${event.detail.error.message})`)
  })
}
