import { InvalidMessageError } from '../../store/errors.ts'
import { ByteReader } from './byte-reader.ts'
import { ByteWriter } from './byte-writer.ts'
import { MessageType, readHeader, writeHeader } from './header.ts'

const STATE_HASH_BYTES = 12

/**
 * A peer's state hash, published on the ops topic after a pull brought it something new, so
 * that neighbours which only sync through it pull at once instead of at their next tick.
 */
export function encodeAnnouncement (stateHash: Uint8Array): Uint8Array<ArrayBuffer> {
  const writer = new ByteWriter(2 + STATE_HASH_BYTES)
  writeHeader(writer, MessageType.announcement)
  writer.raw(stateHash)
  return writer.finish()
}

export function decodeAnnouncement (bytes: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new InvalidMessageError('an announcement is a Uint8Array')
  const reader = new ByteReader(bytes)
  readHeader(reader, MessageType.announcement, 'announcement')
  const stateHash = reader.raw(STATE_HASH_BYTES, 'state hash')
  reader.end()
  return stateHash
}
