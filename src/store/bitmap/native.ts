import roaring from 'roaring'
import type { Bitmap32, BitmapBackend } from './backend.ts'

type Native = InstanceType<typeof roaring.RoaringBitmap32>

class NativeBitmap32 implements Bitmap32 {
  readonly inner: Native

  constructor (inner: Native) {
    this.inner = inner
  }

  get size (): number { return this.inner.size }
  get isEmpty (): boolean { return this.inner.isEmpty }
  has (value: number): boolean { return this.inner.has(value) }
  add (value: number): void { this.inner.add(value) }
  addMany (values: Uint32Array): void { this.inner.addMany(values) }
  addRange (start: number, end: number): void { this.inner.addRange(start, end) }
  remove (value: number): void { this.inner.remove(value) }
  removeRange (start: number, end: number): void { this.inner.removeRange(start, end) }
  min (): number { return this.inner.minimum() }
  max (): number { return this.inner.maximum() }
  orInPlace (other: Bitmap32): void { this.inner.orInPlace((other as NativeBitmap32).inner) }
  andNotInPlace (other: Bitmap32): void { this.inner.andNotInPlace((other as NativeBitmap32).inner) }
  andNot (other: Bitmap32): Bitmap32 {
    return new NativeBitmap32(roaring.RoaringBitmap32.andNot(this.inner, (other as NativeBitmap32).inner))
  }

  and (other: Bitmap32): Bitmap32 {
    return new NativeBitmap32(roaring.RoaringBitmap32.and(this.inner, (other as NativeBitmap32).inner))
  }

  isSubset (other: Bitmap32): boolean { return this.inner.isSubset((other as NativeBitmap32).inner) }
  isEqual (other: Bitmap32): boolean { return this.inner.isEqual((other as NativeBitmap32).inner) }
  clone (): Bitmap32 { return new NativeBitmap32(this.inner.clone()) }
  toUint32Array (): Uint32Array { return this.inner.toUint32Array() }
  serializePortable (): Uint8Array {
    this.inner.runOptimize()
    this.inner.shrinkToFit()
    const buffer = this.inner.serialize('portable')
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
  }

  dispose (): void {}
}

/** CRoaring through the `roaring` native addon: the Node.js default. */
export const nativeBackend: BitmapBackend = {
  name: 'native',
  create: () => new NativeBitmap32(new roaring.RoaringBitmap32()),
  deserializePortable: (bytes) => new NativeBitmap32(roaring.RoaringBitmap32.deserialize(bytes, 'portable'))
}
