import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { CliError, ExitCode } from './cli-error.ts'
import type { PrivateKey } from '@libp2p/interface'

/**
 * The peer's libp2p private key, kept in `path` (owner-only) so that the peer keeps its id, and
 * other peers recognise it, across restarts. Made on first use.
 */
export async function loadOrCreatePeerKey (path: string): Promise<PrivateKey> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err: any) {
    if (err.code !== 'ENOENT') throw new CliError(ExitCode.failure, `cannot read the peer key ${path}: ${err.message}`)
    const key = await generateKeyPair('Ed25519')
    // Written whole or not at all: a crash here must not leave half a key behind.
    const partial = `${path}.${process.pid}.tmp`
    await writeFile(partial, privateKeyToProtobuf(key), { mode: 0o600 })
    await rename(partial, path)
    return key
  }
  try {
    return privateKeyFromProtobuf(bytes)
  } catch (err: any) {
    throw new CliError(ExitCode.failure, `${path} is not a libp2p private key (${err.message}); move it away to start as a new peer`)
  }
}
