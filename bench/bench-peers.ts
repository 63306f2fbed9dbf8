import { MemStore, createMeshPeer, nodePreset, type MeshPeer } from '../src/index.ts'

export const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

/** A stock peer of the bench mesh on 127.0.0.1, in memory, started; private when given a mesh key. */
export async function startBenchPeer (meshKey?: string): Promise<MeshPeer> {
  const peer = await createMeshPeer({ store: new MemStore(), mesh: 'bench', meshKey, libp2p: nodePreset({ listen: ['/ip4/127.0.0.1/tcp/0'] }) })
  await peer.start()
  return peer
}

/** Polls `condition` every ms until it holds; throws after `timeout` ms naming `what`. */
export async function waitFor (condition: () => boolean, what: string, timeout = 120_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(1)
  }
}
