import { createCipheriv, createDecipheriv } from 'node:crypto'
import type { Aead } from './aead.ts'

const TAG_BYTES = 16

/** AES-256-GCM from node:crypto (OpenSSL): some ten times the speed of the pure-JS one on large messages. */
export const nodeAesGcm: Aead = {
  name: 'node:crypto aes-256-gcm',
  seal: (key, nonce, aad, plain) => {
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES })
    cipher.setAAD(aad)
    const head = cipher.update(plain)
    const tail = cipher.final()
    const out = new Uint8Array(head.byteLength + tail.byteLength + TAG_BYTES)
    out.set(head, 0)
    out.set(tail, head.byteLength)
    out.set(cipher.getAuthTag(), head.byteLength + tail.byteLength)
    return out
  },
  open: (key, nonce, aad, sealed) => {
    if (sealed.byteLength < TAG_BYTES) throw new Error('sealed message shorter than its tag')
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES })
    decipher.setAAD(aad)
    decipher.setAuthTag(sealed.subarray(sealed.byteLength - TAG_BYTES))
    const head = decipher.update(sealed.subarray(0, sealed.byteLength - TAG_BYTES))
    const tail = decipher.final()
    const out = new Uint8Array(head.byteLength + tail.byteLength)
    out.set(head, 0)
    out.set(tail, head.byteLength)
    return out
  }
}
