// The store's own figures for the store issue's closing note: request sizes after a million
// writes, a round between converged million-entry stores, and raw local speeds.
// Run: node --experimental-transform-types --disable-warning=ExperimentalWarning bench/store-numbers.ts
import { MemStore, decodeDiff, decodeDiffRequest, decodeOps, encodeDiff, encodeDiffRequest, encodeOps } from '../src/index.ts'
import { createRng, randomEntries, randomIndex } from './workload.ts'

const N = 1_000_000
const rng = createRng(7)
const { keys, values } = randomEntries(rng, N)

const a = new MemStore()
let started = performance.now()
a.begin()
for (let i = 0; i < N; i++) a.set(keys[i], values[i])
a.commit()
const bulkMs = performance.now() - started
console.log(`bulk insert, one transaction: ${Math.round(N / (bulkMs / 1000)).toLocaleString()} sets/s`)
console.log(`full request after ${N.toLocaleString()} contiguous sets by one writer: ${encodeDiffRequest(a.requestDiff()).byteLength} B; seen set alone: ${a.requestDiff().replicas![0].seen.serialize().byteLength} B portable`)

a.begin()
for (let i = 0; i < N / 10; i++) a.set(keys[randomIndex(rng, N)], values[i])
a.commit()
console.log(`... after 10% random overwrites: ${encodeDiffRequest(a.requestDiff()).byteLength} B`)

a.begin()
for (let i = 0; i < N / 10; i++) a.delete(keys[randomIndex(rng, N)])
a.commit()
const b = new MemStore()
started = performance.now()
for (const frame of a.buildDiffFrames(b.requestDiff())) b.integrateDiff(decodeDiff(encodeDiff(frame)))
console.log(`full sync of ${a.size.toLocaleString()} entries (after 10% deletes): ${Math.round(performance.now() - started)} ms`)
const summary = encodeDiffRequest(b.requestDiff({ summary: true }))
const answer = encodeDiff(a.buildDiff(decodeDiffRequest(summary)))
const full = encodeDiffRequest(b.requestDiff())
const fullAnswer = encodeDiff(a.buildDiff(decodeDiffRequest(full)))
console.log(`round between converged stores: summary ${summary.byteLength} + ${answer.byteLength} B; with a full request ${full.byteLength} + ${fullAnswer.byteLength} B`)

const { keys: k2, values: v2 } = randomEntries(rng, 200_000)
const sender = new MemStore()
const receiver = new MemStore()
started = performance.now()
for (let i = 0; i < k2.length; i++) receiver.integrateOps(decodeOps(encodeOps([sender.insertWithOp(k2[i], v2[i])])))
console.log(`insertWithOp → encode → decode → integrateOp: ${Math.round(k2.length / ((performance.now() - started) / 1000)).toLocaleString()} ops/s`)
