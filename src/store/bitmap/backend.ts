/**
 * The operations the store needs from a 32-bit roaring bitmap. Two implementations exist,
 * CRoaring through the native `roaring` addon (Node.js) and `roaring-wasm` (browsers); the
 * package's entry points pick one and register it with {@link useBitmapBackend}.
 */
export interface Bitmap32 {
  readonly size: number
  readonly isEmpty: boolean
  has(value: number): boolean
  add(value: number): void
  addMany(values: Uint32Array): void
  /** Adds `[start, end)`. */
  addRange(start: number, end: number): void
  remove(value: number): void
  /** Removes `[start, end)`. */
  removeRange(start: number, end: number): void
  /** The smallest value; only called on a non-empty bitmap. */
  min(): number
  /** The largest value; only called on a non-empty bitmap. */
  max(): number
  orInPlace(other: Bitmap32): void
  andNotInPlace(other: Bitmap32): void
  andNot(other: Bitmap32): Bitmap32
  and(other: Bitmap32): Bitmap32
  isSubset(other: Bitmap32): boolean
  isEqual(other: Bitmap32): boolean
  clone(): Bitmap32
  toUint32Array(): Uint32Array
  /** CRoaring's portable format, run-optimized first so both backends write the same bytes. */
  serializePortable(): Uint8Array
  /** Frees memory held outside the JS heap (WASM); a no-op for the native backend. */
  dispose(): void
}

export interface BitmapBackend {
  /** `'native'` (CRoaring addon) or `'wasm'` (roaring-wasm). */
  readonly name: 'native' | 'wasm'
  create(): Bitmap32
  /** Reads bytes that {@link validatePortableBitmap} has already checked. */
  deserializePortable(bytes: Uint8Array): Bitmap32
}

let current: BitmapBackend | undefined

/** Registers the backend every ClockSet created afterwards uses. */
export function useBitmapBackend (backend: BitmapBackend): void {
  current = backend
}

export function bitmapBackend (): BitmapBackend {
  if (current == null) {
    throw new Error('no bitmap backend registered: import roaring-mesh through its package entry point')
  }
  return current
}

/** Which bitmap backend this build loaded: `'native'` (CRoaring addon, Node.js) or `'wasm'` (roaring-wasm). */
export function bitmapBackendName (): 'native' | 'wasm' {
  return bitmapBackend().name
}
