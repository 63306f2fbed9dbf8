import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

/**
 * Where a peer keeps its files when no `--data` is given: `$ROARING_MESH_DATA`, else
 * `$XDG_DATA_HOME/roaring-mesh`, else the platform's per-user data directory.
 */
export function defaultDataDir (env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  if (env.ROARING_MESH_DATA != null && env.ROARING_MESH_DATA !== '') return resolve(env.ROARING_MESH_DATA)
  if (env.XDG_DATA_HOME != null && env.XDG_DATA_HOME !== '') return join(env.XDG_DATA_HOME, 'roaring-mesh')
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'roaring-mesh')
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'roaring-mesh')
  return join(home, '.local', 'share', 'roaring-mesh')
}

/** The files of a data directory. */
export function dataFiles (dataDir: string): { store: string, key: string, meshKey: string, config: string, socket: string, pid: string, mesh: string } {
  const dir = resolve(dataDir)
  return {
    /** The LevelDB store; LevelDB's lock on it is what keeps a second peer out. */
    store: join(dir, 'store'),
    /** The libp2p private key (protobuf), so the peer keeps its id across restarts. */
    key: join(dir, 'peer.key'),
    /** The mesh key (base64url), made on first start or taken from an invite; absent for an open mesh. */
    meshKey: join(dir, 'mesh.key'),
    config: join(dir, 'config.json'),
    /** The control socket `get`, `set`, … talk to. */
    socket: join(dir, 'control.sock'),
    /** The running peer's process id, to name it when a second one is refused. */
    pid: join(dir, 'peer.pid'),
    /** The mesh this directory's store belongs to, written on first start. */
    mesh: join(dir, 'mesh')
  }
}

/** Linux and macOS refuse Unix socket paths longer than this (sun_path is 108 / 104 bytes with its NUL). */
export const MAX_SOCKET_PATH_BYTES = 103
