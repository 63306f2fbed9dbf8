import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { InvalidArgumentError } from '../store/errors.ts'
import type { PrivateKey } from '@libp2p/interface'

/**
 * A libp2p private key kept in the file at `path` (owner-only, protobuf as libp2p writes it),
 * made on first use: a relay or daemon that keeps its key keeps its peer id across restarts, so
 * the addresses others hold of it (`…/p2p/<id>`, a bootstrap list, a page's config) stay valid.
 * Throws `InvalidArgumentError` when the file holds something else, and the file system's error
 * when it cannot be read or written.
 *
 * @example
 * ```ts
 * const privateKey = await loadOrCreatePeerKey('/var/lib/relay/peer.key')
 * const relay = await createMeshPeer({ store, libp2p: relayPreset({ privateKey }) })
 * ```
 */
export async function loadOrCreatePeerKey (path: string): Promise<PrivateKey> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err: any) {
    if (err.code !== 'ENOENT') throw err
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
    throw new InvalidArgumentError(`${path} is not a libp2p private key (${String(err.message)}); move it away to start as a new peer`)
  }
}
