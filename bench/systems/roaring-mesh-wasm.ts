// roaring-mesh on the WASM bitmap backend (what browsers run), to choose the Node.js default on evidence.
import * as api from '../../src/wasm.ts'
import { roaringMeshSystem, version } from './roaring-mesh-adapter.ts'

export const name = 'roaring-mesh-wasm'
export { version }
export const system = roaringMeshSystem(name, api)
