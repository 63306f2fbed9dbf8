// Two replicas of one store, synced by ops and by a state diff, as the README walks through.
// Run: npm run example
import { MemStore, decodeDiff, decodeDiffRequest, decodeOps, encodeDiff, encodeDiffRequest, encodeOps, jsonCodec, stringCodec } from '../src/index.ts'

interface Todo { title: string, done: boolean }

const alice = new MemStore<string, Todo>('alice', { keys: stringCodec, values: jsonCodec() })
const bob = new MemStore<string, Todo>('bob', { keys: stringCodec, values: jsonCodec() })

bob.addEventListener('change', (event) => {
  for (const { key, value } of event.changes) console.log(`bob sees ${key} =`, value)
})

// Push: every local transaction yields ops; send their bytes however you like.
alice.begin()
alice.set('milk', { title: 'Buy milk', done: false })
alice.set('bread', { title: 'Buy bread', done: false })
const bytes = encodeOps(alice.commitWithOps())
bob.integrateOps(decodeOps(bytes))
console.log(`one transaction of 2 sets: ${bytes.byteLength} bytes on the wire`)

// Pull: bob writes while alice is away; alice asks for what she lacks.
bob.set('milk', { title: 'Buy milk', done: true })
bob.delete('bread')
const request = encodeDiffRequest(alice.requestDiff())
const diff = encodeDiff(bob.buildDiff(decodeDiffRequest(request)))
alice.integrateDiff(decodeDiff(diff))
console.log(`state sync: ${request.byteLength} + ${diff.byteLength} bytes`)
console.log('alice has', alice.entries())

// Converged replicas agree in one 15-byte summary and a 4-byte answer.
const summary = encodeDiffRequest(alice.requestDiff({ summary: true }))
const answer = encodeDiff(bob.buildDiff(decodeDiffRequest(summary)))
console.log(`converged round: ${summary.byteLength + answer.byteLength} bytes`)
