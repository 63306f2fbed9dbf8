// Writes to a LevelStore until killed: one set per transaction, awaiting each commit. Prints
// `ops <hex>` when the 'ops' event publishes a commit (what a mesh peer would send), and `ok`
// once that commit has resolved. With <crashAt> >= 0 it kills itself with SIGKILL in the middle of
// that write: applied in memory, its batch not yet on disk.
// Usage: node level-crash-child.ts <dir> <round> <crashAt>
import { LevelStore, encodeOps } from '../../src/index.ts'

const [dir, round, crashAt] = process.argv.slice(2)
const store = await LevelStore.open(dir)
store.addEventListener('ops', (event) => { process.stdout.write(`ops ${Buffer.from(encodeOps([...event.ops])).toString('hex')}\n`) })
process.stdout.write(`open ${store.replicaId}\n`)
for (let i = 0; ; i++) {
  store.begin()
  store.set(new TextEncoder().encode(`r${round}-${i}`), new TextEncoder().encode(`value ${round}-${i}`))
  const committed = store.commit()
  if (i === Number(crashAt)) process.kill(process.pid, 'SIGKILL')
  await committed
  process.stdout.write('ok\n')
}
