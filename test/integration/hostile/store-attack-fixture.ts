import { lpStream } from '@libp2p/utils'
import { DIFF_PROTOCOL } from '../../../src/index.ts'
import { DiffResponseMessage } from '../../../src/protocols/diff/pb/diff.ts'
import { bytes, waitFor, type TestPeer } from '../mesh-fixture.ts'
import { watchLoad, type LoadReport } from './attacker.ts'
import type { Libp2p } from 'libp2p'

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

/** Runs an attack and reports what it cost the process the victim runs in. */
export async function measure (attack: () => Promise<void>): Promise<LoadReport> {
  const load = watchLoad()
  await attack()
  // Let whatever the attack queued run inside the measurement.
  await new Promise((resolve) => setTimeout(resolve, 200))
  return load.stop()
}

/** Each of the peers writes a key; resolves once every peer holds every key, or throws after `timeout`. */
export async function writesCross (peers: TestPeer[], label: string, timeout = 5000): Promise<void> {
  const keys = peers.map((p, i) => bytes(`${label}-${i}-${Math.random()}`))
  peers.forEach((p, i) => { p.store.set(keys[i], bytes('1')) })
  await waitFor(() => peers.every((p) => keys.every((k) => p.store.has(k))), `${label}: every peer's write to reach every peer`, timeout)
}
