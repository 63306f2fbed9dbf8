// A process that verifies a big diff on the verifier threads and then has nothing left to do:
// it must exit by itself (parallel-verify.test.ts), the threads holding nothing open.
import { randomBytes } from 'node:crypto'
import { MemStore, decodeDiff, encodeDiff } from '../../src/index.ts'

const source = new MemStore()
source.begin()
for (let i = 0; i < 3_000; i++) source.set(randomBytes(16), randomBytes(32))
source.commit()
const target = new MemStore()
const diff = decodeDiff(encodeDiff(source.buildDiff(target.requestDiff())))
await target.verifyDiff(diff)
target.integrateDiff(diff)
process.stdout.write(`integrated ${target.size}\n`)
