/**
 * roaring-mesh for browsers: the same API as on Node.js, with roaring-wasm as the bitmap backend.
 *
 * @packageDocumentation
 */
import { useBitmapBackend } from './store/bitmap/backend.ts'
import { useEd25519Backend } from './store/writer-keys/ed25519.ts'
import { fillKeyPool, webCryptoEd25519 } from './store/writer-keys/webcrypto-ed25519.ts'
import { wasmBackend } from './store/bitmap/wasm.ts'
import { browserLevelBackend } from './store/level/browser-level-backend.ts'
import { useLevelBackend } from './store/level/level-backend.ts'

useEd25519Backend(webCryptoEd25519)
// Keys for `new MemStore()`, which cannot wait for WebCrypto: made once, as the package loads.
await fillKeyPool()
useBitmapBackend(wasmBackend)
useLevelBackend(browserLevelBackend)

export * from './public-api.ts'
export { browserPreset, type BrowserPresetOptions } from './node/presets/browser-preset.ts'
