import { InvalidMessageError, UnsupportedVersionError } from '../../store/errors.ts'
import { decodeAnnouncement } from '../wire/announcement-codec.ts'
import { MessageType, WIRE_VERSION } from '../wire/header.ts'
import { decodeOps } from '../wire/ops-codec.ts'
import type { Op } from '../../store/types.ts'

/** What travels on a mesh's gossipsub topic `roaring-mesh/<mesh>/ops/3`. */
export type TopicMessage =
  | { readonly kind: 'ops', readonly ops: Op[] }
  | { readonly kind: 'announcement', readonly stateHash: Uint8Array }

/** The topic a mesh's ops travel on. */
export function opsTopic (mesh: string): string {
  return `roaring-mesh/${mesh}/ops/3`
}

/** Decodes and validates a topic message; throws {@link InvalidMessageError} on anything else. */
export function decodeTopicMessage (bytes: Uint8Array): TopicMessage {
  if (bytes.byteLength < 2) throw new InvalidMessageError('a topic message of fewer than 2 bytes')
  if (bytes[0] !== WIRE_VERSION) throw new UnsupportedVersionError(bytes[0], 'topic message')
  if (bytes[1] === MessageType.ops || bytes[1] === MessageType.unsignedOps) return { kind: 'ops', ops: decodeOps(bytes) }
  if (bytes[1] === MessageType.announcement) return { kind: 'announcement', stateHash: decodeAnnouncement(bytes) }
  throw new InvalidMessageError(`unexpected message type ${bytes[1]} on a mesh topic`)
}
