import { peerIdFromString } from '@libp2p/peer-id'
import { InvalidArgumentError } from '../../store/errors.ts'
import type { PeerId } from '@libp2p/interface'

/** The peer ids of an allow-list, as strings; throws {@link InvalidArgumentError} for one that is not a peer id. */
export function parseAllowList (allow: ReadonlyArray<string | PeerId>): Set<string> {
  if (!Array.isArray(allow)) throw new InvalidArgumentError('allow must be a list of peer ids')
  const ids = new Set<string>()
  for (const entry of allow) {
    if (typeof entry === 'string') {
      try {
        ids.add(peerIdFromString(entry).toString())
      } catch {
        throw new InvalidArgumentError(`allow: ${JSON.stringify(entry)} is not a peer id`)
      }
    } else if (entry != null && typeof entry === 'object' && typeof entry.toMultihash === 'function') {
      ids.add(entry.toString())
    } else {
      throw new InvalidArgumentError('allow must be a list of peer ids (strings or PeerId)')
    }
  }
  return ids
}
