import { createHash } from 'node:crypto'
import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { mdns } from '@libp2p/mdns'
import { CorruptStoreError, LevelStore, OutdatedStoreError, createMeshPeer, nodePreset, type MeshPeer } from '../index.ts'
import { CliError, ExitCode } from './cli-error.ts'
import { mergeConfig, readConfigFile, type PeerConfig } from './config.ts'
import { ControlServer } from './control-server.ts'
import type { PeerStatus } from './control-protocol.ts'
import { MAX_SOCKET_PATH_BYTES, dataFiles } from './data-dir.ts'
import { statusLine } from './output-format.ts'
import { loadPeerKey } from './peer-identity.ts'
import { watchParent } from './parent-watch.ts'
import { checkPrivateFiles } from './private-files.ts'
import { meshKeyFor, reportRefusals } from './private-mesh.ts'
import type { Invocation } from './args.ts'

/** Where the peer writes: its terminal, or a log file / pipe. */
export interface PeerOutput {
  out: (line: string) => void
  err: (line: string) => void
  /** On a terminal the status line is redrawn in place; elsewhere it is printed when it changes. */
  isTTY: boolean
}

/** The mDNS service name peers of one mesh answer to, so a peer only hears (and dials) its own mesh. */
export function mdnsServiceTag (mesh: string): string {
  return `_rm-${createHash('sha256').update(mesh).digest('hex').slice(0, 16)}._udp.local`
}

function isLockedError (err: any): boolean {
  return err?.code === 'LEVEL_LOCKED' || err?.cause?.code === 'LEVEL_LOCKED'
}

async function openLevelStore (files: ReturnType<typeof dataFiles>, dataDir: string, salvage: boolean, writerKeys: boolean): Promise<LevelStore> {
  try {
    return await LevelStore.open(files.store, { name: hostname(), salvage, writerKeys })
  } catch (err: any) {
    if (isLockedError(err)) {
      const pid = (await readFile(files.pid, 'utf8').catch(() => '')).trim()
      throw new CliError(ExitCode.locked, `${dataDir} is in use by another roaring-mesh peer${pid === '' ? '' : ` (pid ${pid})`}: stop it first, or give this one another --data directory`)
    }
    if (err instanceof OutdatedStoreError) {
      throw new CliError(ExitCode.failure, `${files.store}: store format ${err.version} was written before writers were bound to keys; nothing was changed. Run roaring-mesh migrate --data ${dataDir} to carry its entries into a new store (the old one is kept)`, { cause: err })
    }
    if (err instanceof CorruptStoreError) {
      throw new CliError(ExitCode.failure, `${err.message}. Start with --salvage to keep every entry that checks out (the damaged files are moved aside, not deleted) and let the other peers fill in the rest`, { cause: err })
    }
    throw new CliError(ExitCode.failure, `cannot open the store in ${files.store}: ${err.message}`)
  }
}

/** A data directory holds one mesh's store: joining another mesh with it would mix the two. */
async function checkMesh (path: string, mesh: string, dataDir: string): Promise<void> {
  const recorded = (await readFile(path, 'utf8').catch(() => '')).trim()
  if (recorded === '') await writeFile(path, `${mesh}\n`)
  else if (recorded !== mesh) throw new CliError(ExitCode.usage, `${dataDir} holds the store of mesh "${recorded}", not "${mesh}": use another --data directory for "${mesh}"`)
}

function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

/**
 * Runs `roaring-mesh peer` until SIGINT or SIGTERM; resolves with the exit code once the peer
 * stopped and the store is closed (everything committed is on disk).
 */
export async function runPeer (invocation: Invocation, dataDir: string, output: PeerOutput): Promise<number> {
  const startedAt = Date.now()
  const files = dataFiles(dataDir)
  if (Buffer.byteLength(files.socket) > MAX_SOCKET_PATH_BYTES) {
    throw new CliError(ExitCode.usage, `the data directory path is too long for a Unix socket (${files.socket}): use a shorter --data`)
  }
  const config: PeerConfig = mergeConfig(await readConfigFile(files.config), invocation.peer)
  // Everything the peer writes (key, store, socket, pid) is for this user only.
  process.umask(0o077)
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  await checkPrivateFiles({ dirs: [dataDir], files: [files.key, files.meshKey, files.socket] })
  const mesh = await meshKeyFor(invocation, config, files)
  const store = await openLevelStore(files, dataDir, invocation.salvage, config.writerKeys)
  const salvaged = store.salvaged
  if (salvaged != null) {
    output.err(`roaring-mesh: the store was damaged: ${salvaged.cause.message}`)
    output.err(`roaring-mesh: salvaged ${salvaged.kept} ${salvaged.kept === 1 ? 'entry' : 'entries'} (${salvaged.dropped} damaged records left behind); the damaged files are in ${salvaged.movedTo}`)
    output.err(`roaring-mesh: this peer now writes as replica ${store.replicaId}${salvaged.previousReplicaId == null ? '' : ` (was ${salvaged.previousReplicaId})`}; the other peers fill in what was lost`)
  }
  let peer: MeshPeer<Uint8Array, Uint8Array> | undefined
  let control: ControlServer | undefined
  const cleanup = async (): Promise<void> => {
    await control?.close()
    await peer?.stop()
    await store.close()
    await unlink(files.pid).catch(() => {})
  }
  try {
    await checkMesh(files.mesh, config.mesh, dataDir)
    await writeFile(files.pid, `${process.pid}\n`)
    const privateKey = await loadPeerKey(files.key)
    if (mesh.created) await mesh.save()
    const options = nodePreset({ listen: config.listen, bootstrap: config.bootstrap, privateKey, mdns: false })
    if (config.mdns) options.peerDiscovery = [...(options.peerDiscovery ?? []), mdns({ serviceTag: mesh.serviceTag ?? mdnsServiceTag(config.mesh), interval: config.mdnsIntervalMs })]
    // The peer keeps its connections up: it dials what mDNS and bootstrap find, and redials lost links.
    peer = await createMeshPeer({
      store,
      mesh: config.mesh,
      meshKey: mesh.key,
      libp2p: options,
      connections: { target: config.targetConnections, maxBackoff: config.maxBackoffMs }
    })
    reportRefusals(peer, output.err)
    output.out(mesh.key == null
      ? `mesh "${config.mesh}" is OPEN (--open): anyone who can reach this peer reads and writes its store`
      : `mesh "${config.mesh}" is private: only peers holding the key in ${files.meshKey} sync with this one${mesh.created ? ' (made now)' : ''}`)
    if (!store.writerKeys) output.out('writers are NOT bound to keys (--no-writer-keys): any member can write as another; this peer syncs only with peers run so')
    try {
      await peer.start()
    } catch (err: any) {
      // libp2p lists every failed address with its stack: the system's reason is the news.
      const message = String(err.message)
      const reason = /E[A-Z]{3,}: [^\n]*/.exec(message)?.[0] ?? message.split('\n')[0]
      throw new CliError(ExitCode.failure, `cannot start the peer (listening on ${config.listen.join(', ')}): ${reason}`)
    }
    const running = peer
    const status = (): PeerStatus => {
      const stats = running.stats()
      const syncs = Object.values(stats.lastSync)
      return {
        peerId: running.libp2p.peerId.toString(),
        mesh: config.mesh,
        dataDir,
        pid: process.pid,
        addresses: running.libp2p.getMultiaddrs().map(String),
        peers: stats.connectedPeers,
        entries: store.size,
        lastSync: syncs.length === 0 ? null : Math.max(...syncs),
        stateHash: hex(store.stateHash()),
        startedAt
      }
    }
    control = new ControlServer(store, status)
    try {
      await control.listen(files.socket)
    } catch (err: any) {
      throw new CliError(ExitCode.failure, `cannot open the control socket ${files.socket}: ${err.message}`)
    }
    return await serve(running, status, files.socket, output, cleanup)
  } catch (err) {
    await cleanup().catch(() => {})
    throw err
  }
}

/** Prints what the peer does, and waits for a signal to stop it. */
async function serve (peer: MeshPeer<Uint8Array, Uint8Array>, status: () => PeerStatus, socket: string, output: PeerOutput, cleanup: () => Promise<void>): Promise<number> {
  // Listening for the signals before the lines that say the peer is up: a supervisor may send
  // one the moment it reads them, and without a listener Node.js dies of it, unflushed.
  let unwatch = (): void => {}
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGINT', () => { resolve('SIGINT') })
    process.once('SIGTERM', () => { resolve('SIGTERM') })
    unwatch = watchParent(() => { resolve('the process that started this peer (npm) is gone') })
  })
  const first = status()
  output.out(`roaring-mesh peer ${first.peerId} · mesh "${first.mesh}" · data ${first.dataDir}`)
  for (const address of first.addresses) output.out(`listening ${address}`)
  output.out(`control socket ${socket}`)

  let drawn = false
  const print = (line: string): void => {
    if (drawn) process.stdout.write('\r\x1b[K')
    drawn = false
    output.out(line)
  }
  let firstSync = true
  const onSync = (event: CustomEvent<{ peer: { toString: () => string } }>): void => {
    if (!firstSync) return
    firstSync = false
    print(`first sync with ${event.detail.peer.toString()} ${Date.now() - first.startedAt} ms after start`)
  }
  const onJoin = (event: CustomEvent<{ toString: () => string }>): void => { print(`peer joined ${event.detail.toString()}`) }
  const onLeave = (event: CustomEvent<{ toString: () => string }>): void => { print(`peer left ${event.detail.toString()}`) }
  peer.addEventListener('sync', onSync)
  peer.addEventListener('peer:connect', onJoin)
  peer.addEventListener('peer:disconnect', onLeave)

  let lastPrinted = ''
  const tick = (): void => {
    const now = status()
    if (output.isTTY) {
      process.stdout.write(`\r\x1b[K${statusLine(now, Date.now())}`)
      drawn = true
      return
    }
    // In a log, a line when peers or entries change; the age of the last sync alone is not news.
    const line = statusLine({ ...now, lastSync: null }, Date.now()).replace(/ · last sync never$/, '')
    if (line !== lastPrinted) {
      lastPrinted = line
      output.out(`status: ${line} · last sync ${now.lastSync == null ? 'never' : new Date(now.lastSync).toISOString()}`)
    }
  }
  tick()
  const ticker = setInterval(tick, output.isTTY ? 1000 : 2000)

  const signal = await stopped
  unwatch()
  clearInterval(ticker)
  print(`${signal}: stopping`)
  // A second signal while stopping ends the process at once.
  const force = (): void => {
    output.err('roaring-mesh: stopped before everything was written; the store recovers on the next start')
    process.exit(ExitCode.failure)
  }
  process.once('SIGINT', force)
  process.once('SIGTERM', force)
  peer.removeEventListener('sync', onSync as EventListener)
  peer.removeEventListener('peer:connect', onJoin as EventListener)
  peer.removeEventListener('peer:disconnect', onLeave as EventListener)
  await cleanup()
  output.out('stopped')
  process.off('SIGINT', force)
  process.off('SIGTERM', force)
  return ExitCode.ok
}
