import { decodeMessage, encodeMessage, enumeration, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface DiffRequestMessage {
  mesh: string
  request: Uint8Array<ArrayBuffer>
}

export namespace DiffRequestMessage {
  let _codec: Codec<DiffRequestMessage>

  export const codec = (): Codec<DiffRequestMessage> => {
    if (_codec == null) {
      _codec = message<DiffRequestMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.mesh != null && obj.mesh !== '')) {
          w.uint32(10)
          w.string(obj.mesh)
        }

        if ((obj.request != null && obj.request.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.request)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          mesh: '',
          request: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.mesh = reader.string()
              break
            }
            case 2: {
              obj.request = reader.bytes()
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
                field: `${prefix}.mesh`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.request`,
                value: reader.bytes()
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

  export interface DiffRequestMessageMeshFieldEvent {
    field: '$.mesh'
    value: string
  }

  export interface DiffRequestMessageRequestFieldEvent {
    field: '$.request'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<DiffRequestMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DiffRequestMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DiffRequestMessage>): DiffRequestMessage {
    return decodeMessage(buf, DiffRequestMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DiffRequestMessage>): Generator<DiffRequestMessageMeshFieldEvent | DiffRequestMessageRequestFieldEvent> {
    return streamMessage(buf, DiffRequestMessage.codec(), opts)
  }
}

export interface DiffResponseMessage {
  status: DiffResponseMessage.Status
  diff: Uint8Array<ArrayBuffer>
  retryAfterMs?: number
}

export namespace DiffResponseMessage {
  export enum Status {
    FRAME = 'FRAME',
    DONE = 'DONE',
    UNKNOWN_MESH = 'UNKNOWN_MESH',
    BAD_REQUEST = 'BAD_REQUEST',
    RATE_LIMITED = 'RATE_LIMITED',
    NOT_MEMBER = 'NOT_MEMBER'
  }

  enum __StatusValues {
    FRAME = 0,
    DONE = 1,
    UNKNOWN_MESH = 2,
    BAD_REQUEST = 3,
    RATE_LIMITED = 4,
    NOT_MEMBER = 10
  }

  export namespace Status {
    export const codec = (): Codec<Status> => {
      return enumeration<Status>(__StatusValues)
    }
  }

  let _codec: Codec<DiffResponseMessage>

  export const codec = (): Codec<DiffResponseMessage> => {
    if (_codec == null) {
      _codec = message<DiffResponseMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(8)
          DiffResponseMessage.Status.codec().encode(obj.status, w)
        }

        if ((obj.diff != null && obj.diff.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.diff)
        }

        if (obj.retryAfterMs != null) {
          w.uint32(24)
          w.uint32(obj.retryAfterMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: Status.FRAME,
          diff: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = DiffResponseMessage.Status.codec().decode(reader)
              break
            }
            case 2: {
              obj.diff = reader.bytes()
              break
            }
            case 3: {
              obj.retryAfterMs = reader.uint32()
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
                field: `${prefix}.status`,
                value: DiffResponseMessage.Status.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.diff`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.retryAfterMs`,
                value: reader.uint32()
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

  export interface DiffResponseMessageStatusFieldEvent {
    field: '$.status'
    value: DiffResponseMessage.Status
  }

  export interface DiffResponseMessageDiffFieldEvent {
    field: '$.diff'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DiffResponseMessageRetryAfterMsFieldEvent {
    field: '$.retryAfterMs'
    value: number
  }

  export function encode (obj: Partial<DiffResponseMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DiffResponseMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DiffResponseMessage>): DiffResponseMessage {
    return decodeMessage(buf, DiffResponseMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DiffResponseMessage>): Generator<DiffResponseMessageStatusFieldEvent | DiffResponseMessageDiffFieldEvent | DiffResponseMessageRetryAfterMsFieldEvent> {
    return streamMessage(buf, DiffResponseMessage.codec(), opts)
  }
}
