import { DiffSync } from '../protocols/diff/diff-sync.ts'
import type { DiffSyncInit } from '../protocols/diff/index.ts'
import type { Libp2p } from '@libp2p/interface'

/** A node a mesh peer runs on, as far as the diff protocol goes: its own `diffSync` service, if it has one. */
export type DiffSyncNode = Libp2p<{ diffSync?: DiffSync }>

// A protocol can be handled once per node: mesh peers sharing an app's node share one DiffSync.
const shared = new WeakMap<Libp2p, { diffSync: DiffSync, users: number }>()

/**
 * The one way a mesh peer gets its DiffSync: the node's `diffSync` service (presets and
 * `createMeshPeer` register one); on an app's node without it, one registered on first use,
 * shared by the node's mesh peers and unregistered when the last of them releases it.
 */
export async function meshDiffSync (node: DiffSyncNode, init?: DiffSyncInit): Promise<{ diffSync: DiffSync, release: () => Promise<void> }> {
  const service = node.services.diffSync
  if (service != null) return { diffSync: service, release: async () => {} }
  let entry = shared.get(node)
  if (entry == null) {
    const diffSync = new DiffSync({
      registrar: {
        handle: async (protocol, handler, options) => { await node.handle(protocol, handler, options) },
        unhandle: async (protocol, options) => { await node.unhandle(protocol, options) }
      },
      connectionManager: {
        openStream: async (peer, protocol, options) => await node.dialProtocol(peer, protocol, options)
      },
      logger: node.logger
    }, init)
    entry = { diffSync, users: 0 }
    shared.set(node, entry)
    await diffSync.start()
  }
  entry.users++
  let released = false
  const current = entry
  return {
    diffSync: entry.diffSync,
    release: async () => {
      if (released) return
      released = true
      if (--current.users === 0) {
        shared.delete(node)
        await current.diffSync.stop()
      }
    }
  }
}
