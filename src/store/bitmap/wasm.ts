import { RoaringBitmap32, roaringLibraryInitialize } from 'roaring-wasm'
import type { Bitmap32, BitmapBackend } from './backend.ts'

// The browser build of roaring-wasm instantiates its inlined module asynchronously; awaiting
// here keeps `new MemStore()` synchronous for everyone who imports the package.
await roaringLibraryInitialize()

class WasmBitmap32 implements Bitmap32 {
  readonly inner: RoaringBitmap32

  constructor (inner: RoaringBitmap32) {
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
  orInPlace (other: Bitmap32): void { this.inner.orInPlace((other as WasmBitmap32).inner) }
  andNotInPlace (other: Bitmap32): void { this.inner.andNotInPlace((other as WasmBitmap32).inner) }
  andNot (other: Bitmap32): Bitmap32 {
    return new WasmBitmap32(RoaringBitmap32.andNot(this.inner, (other as WasmBitmap32).inner))
  }

  and (other: Bitmap32): Bitmap32 {
    return new WasmBitmap32(RoaringBitmap32.and(this.inner, (other as WasmBitmap32).inner))
  }

  isSubset (other: Bitmap32): boolean { return this.inner.isSubset((other as WasmBitmap32).inner) }
  isEqual (other: Bitmap32): boolean { return this.inner.isEqual((other as WasmBitmap32).inner) }
  clone (): Bitmap32 { return new WasmBitmap32(this.inner.clone()) }
  toUint32Array (): Uint32Array { return this.inner.toUint32Array() }
  serializePortable (): Uint8Array {
    this.inner.runOptimize()
    return this.inner.serialize('portable')
  }

  dispose (): void { this.inner.dispose() }
}

/** CRoaring compiled to WebAssembly: the browser backend, also usable on Node.js. */
export const wasmBackend: BitmapBackend = {
  name: 'wasm',
  create: () => new WasmBitmap32(new RoaringBitmap32()),
  deserializePortable: (bytes) => new WasmBitmap32(RoaringBitmap32.deserialize(bytes, 'portable'))
}
