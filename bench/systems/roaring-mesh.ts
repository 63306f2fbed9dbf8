// roaring-mesh, the reference system, on the Node.js default bitmap backend (native CRoaring).
import * as api from '../../src/index.ts'
import { roaringMeshSystem, version } from './roaring-mesh-adapter.ts'

export const name = 'roaring-mesh'
export { version }
export const system = roaringMeshSystem(name, api)
