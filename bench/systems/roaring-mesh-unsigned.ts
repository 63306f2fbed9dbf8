// roaring-mesh with writers not bound to keys (writerKeys: false), for a mesh whose members all
// trust each other: nothing signed or verified, ops and diffs as compact as before writer keys.
import * as api from '../../src/index.ts'
import { roaringMeshSystem, version } from './roaring-mesh-adapter.ts'

export const name = 'roaring-mesh-unsigned'
export { version }
export const system = roaringMeshSystem(name, api, { writerKeys: false })
