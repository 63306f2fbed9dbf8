import { decodeMessage, encodeMessage, enumeration, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ProofMessage {
  nonce: Uint8Array<ArrayBuffer>
  mac: Uint8Array<ArrayBuffer>
  verdict: ProofMessage.Verdict
}

export namespace ProofMessage {
  export enum Verdict {
    NONE = 'NONE',
    ACCEPTED = 'ACCEPTED',
    REFUSED = 'REFUSED'
  }

  enum __VerdictValues {
    NONE = 0,
    ACCEPTED = 1,
    REFUSED = 2
  }

  export namespace Verdict {
    export const codec = (): Codec<Verdict> => {
      return enumeration<Verdict>(__VerdictValues)
    }
  }

  let _codec: Codec<ProofMessage>

  export const codec = (): Codec<ProofMessage> => {
    if (_codec == null) {
      _codec = message<ProofMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.nonce)
        }

        if ((obj.mac != null && obj.mac.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.mac)
        }

        if (obj.verdict != null && __VerdictValues[obj.verdict] !== 0) {
          w.uint32(24)
          ProofMessage.Verdict.codec().encode(obj.verdict, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          nonce: uint8ArrayAlloc(0),
          mac: uint8ArrayAlloc(0),
          verdict: Verdict.NONE
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.nonce = reader.bytes()
              break
            }
            case 2: {
              obj.mac = reader.bytes()
              break
            }
            case 3: {
              obj.verdict = ProofMessage.Verdict.codec().decode(reader)
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.mac`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.verdict`,
                value: ProofMessage.Verdict.codec().decode(reader)
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ProofMessageNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ProofMessageMacFieldEvent {
    field: '$.mac'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ProofMessageVerdictFieldEvent {
    field: '$.verdict'
    value: ProofMessage.Verdict
  }

  export function encode (obj: Partial<ProofMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ProofMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProofMessage>): ProofMessage {
    return decodeMessage(buf, ProofMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProofMessage>): Generator<ProofMessageNonceFieldEvent | ProofMessageMacFieldEvent | ProofMessageVerdictFieldEvent> {
    return streamMessage(buf, ProofMessage.codec(), opts)
  }
}
