// Writes to a LevelStore, hands a peer everything it holds (a diff, so every entry is signed),
// then overwrites and deletes entries in commits nobody listens to, and kills itself with
// SIGKILL once they are durable: their removals were still waiting in memory to be signed.
// Entries of another writer are overwritten and deleted too. Prints `diff <hex>` (what the peer
// takes), then `written`.
// Usage: node level-unproven-deaths-child.ts <dir>
import { LevelStore, MemStore, encodeDiff, type Op } from '../../src/index.ts'

const te = (text: string): Uint8Array => new TextEncoder().encode(text)
const [dir] = process.argv.slice(2)
const store = await LevelStore.open(dir)
const other = new MemStore('other')
const theirs: Op[] = []
other.addEventListener('ops', (event) => { theirs.push(...event.ops) })
for (let i = 0; i < 10; i++) other.set(te(`theirs-${i}`), te(`t${i}`))
await other.signed()
await store.integrateOps(theirs)
for (let i = 0; i < 40; i++) store.set(te(`mine-${i}`), te(`v${i}`))
await store.flush()
process.stdout.write(`diff ${Buffer.from(encodeDiff(store.buildDiff(new MemStore().requestDiff()))).toString('hex')}\n`)
await store.signed()
// Nobody listens: these commits' removals wait for the signer.
for (let i = 0; i < 10; i++) store.set(te(`mine-${i}`), te(`new ${i}`))
store.begin()
for (let i = 10; i < 20; i++) store.delete(te(`mine-${i}`))
await store.commit()
store.set(te('theirs-0'), te('mine now'))
store.delete(te('theirs-1'))
await store.flush()
process.stdout.write('written\n')
process.kill(process.pid, 'SIGKILL')
