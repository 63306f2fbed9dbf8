import { InvalidArgumentError, loadOrCreatePeerKey } from '../index.ts'
import { CliError, ExitCode } from './cli-error.ts'
import type { PrivateKey } from '@libp2p/interface'

/**
 * The peer's libp2p private key, kept in `path` (owner-only) so that the peer keeps its id, and
 * other peers recognise it, across restarts. Made on first use.
 */
export async function loadPeerKey (path: string): Promise<PrivateKey> {
  try {
    return await loadOrCreatePeerKey(path)
  } catch (err: any) {
    if (err instanceof InvalidArgumentError) throw new CliError(ExitCode.failure, err.message)
    throw new CliError(ExitCode.failure, `cannot read the peer key ${path}: ${String(err.message)}`)
  }
}
