/**
 * roaring-mesh on Node.js with the WebAssembly bitmap backend (`roaring-mesh/wasm`), for hosts
 * that cannot build the native addon. Import it instead of the root, not beside it: the backends
 * are chosen once per process.
 *
 * @packageDocumentation
 */
import { useBitmapBackend } from './store/bitmap/backend.ts'
import { useEd25519Backend } from './store/writer-keys/ed25519.ts'
import { nodeEd25519, nodeSha256 } from './store/writer-keys/node-ed25519.ts'
import { useSha256 } from './store/writer-keys/batch-digest.ts'
import { useParallelVerifier } from './store/writer-keys/parallel-verifier.ts'
import { NodeVerifyPool } from './store/writer-keys/node-verify-pool.ts'
import { wasmBackend } from './store/bitmap/wasm.ts'
import { classicLevelBackend } from './store/level/classic-level-backend.ts'
import { useLevelBackend } from './store/level/level-backend.ts'
import { useAead } from './protocols/topic/aead/aead.ts'
import { nodeAesGcm } from './protocols/topic/aead/node-aead.ts'

useEd25519Backend(nodeEd25519)
useSha256(nodeSha256)
useParallelVerifier(new NodeVerifyPool())
useBitmapBackend(wasmBackend)
useLevelBackend(classicLevelBackend)
useAead(nodeAesGcm)

export * from './public-api.ts'
export { nodePreset, type NodePresetOptions } from './node/presets/node-preset.ts'
export { relayPreset, type RelayPresetOptions } from './node/presets/relay-preset.ts'
