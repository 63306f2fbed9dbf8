// Numbers for the LAN peer (not a test; run by hand, as root):
//   npx node --experimental-transform-types --disable-warning=ExperimentalWarning test/integration/lan/lan-numbers.ts
// Time from start to first sync, catch-up after a restart with 10,000 missed writes, and an
// idle peer's memory and CPU over one minute, on a LAN of network namespaces.
import { readFile } from 'node:fs/promises'
import { ControlClient } from '../../../src/cli/control-client.ts'
import { toBase64 } from '../../../src/cli/control-protocol.ts'
import { Lan, converged, waitFor } from './lan-fixture.ts'

const MISSED = 10_000
const IDLE_MS = 60_000

async function cpuAndRss (pid: number): Promise<{ cpuMs: number, rssKiB: number }> {
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ')
  const ticks = Number(stat[11]) + Number(stat[12])   // utime + stime, in clock ticks (100/s)
  const rss = /VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))![1]
  return { cpuMs: ticks * 10, rssKiB: Number(rss) }
}

const lan = await Lan.create(3)
try {
  const dirs = [1, 2, 3].map((i) => lan.dataDir(i))
  const spawned = Date.now()
  const daemons = [1, 2, 3].map((i) => lan.startDaemon(i))
  for (const daemon of daemons) await daemon.ready()
  const ready = Date.now()
  await waitFor(() => daemons.every((d) => /first sync with/.test(d.stdout)), 'first syncs')
  const firstSync = daemons.map((d) => Number(/first sync with \S+ (\d+) ms after start/.exec(d.stdout)![1]))
  await waitFor(() => converged(dirs), 'all connected')
  console.log(`start → first sync (each peer's own clock, from the start of the peer command once Node.js has loaded the code): ${firstSync.join(', ')} ms`)
  console.log(`spawn of 3 processes → all answering: ${ready - spawned} ms; → all three connected to each other: ${Date.now() - spawned} ms`)

  const exit = await daemons[2].stop('SIGTERM')
  if (exit.code !== 0) throw new Error(exit.stderr)
  const writer = await ControlClient.connect(`${dirs[0]}/control.sock`, dirs[0])
  const writing = Date.now()
  const writes: Array<Promise<unknown>> = []
  for (let i = 0; i < MISSED; i++) writes.push(writer.request({ op: 'set', key: toBase64(Buffer.from(`missed-${i}`)), value: toBase64(Buffer.from(`value ${i} `.repeat(4))) }))
  await Promise.all(writes)
  writer.close()
  console.log(`${MISSED} writes through one control connection, each durable before its answer: ${Date.now() - writing} ms`)
  await waitFor(() => converged(dirs.slice(0, 2)), 'n1 and n2 to agree', 120_000)

  const restart = Date.now()
  daemons[2] = lan.startDaemon(3)
  await daemons[2].ready()
  const answering = Date.now()
  await waitFor(() => converged(dirs), 'the restarted peer to catch up', 300_000)
  console.log(`restart with ${MISSED} missed writes → answering: ${answering - restart} ms; → caught up (same state hash as the others): ${Date.now() - restart} ms`)

  const status = await (await ControlClient.connect(`${dirs[0]}/control.sock`, dirs[0])).request({ op: 'status' })
  const pid = (status as { status: { pid: number } }).status.pid
  await new Promise((resolve) => setTimeout(resolve, 5000))
  const start = await cpuAndRss(pid)
  const rss: number[] = []
  for (let t = 0; t < IDLE_MS; t += 5000) {
    await new Promise((resolve) => setTimeout(resolve, 5000))
    rss.push((await cpuAndRss(pid)).rssKiB)
  }
  const end = await cpuAndRss(pid)
  console.log(`idle peer (${MISSED + 0} entries, 2 peers connected) over ${IDLE_MS / 1000} s: CPU ${end.cpuMs - start.cpuMs} ms (${((end.cpuMs - start.cpuMs) / IDLE_MS * 100).toFixed(2)} % of a core); RSS ${Math.min(...rss) / 1024 | 0}–${Math.max(...rss) / 1024 | 0} MiB`)
  for (const daemon of daemons) await daemon.stop('SIGTERM')
} finally {
  await lan.destroy()
}
