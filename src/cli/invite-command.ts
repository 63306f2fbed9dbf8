import { CliError, ExitCode } from './cli-error.ts'
import { ControlClient } from './control-client.ts'
import { dataFiles } from './data-dir.ts'
import { encodeInvite } from './invite.ts'
import { readMeshKey } from './mesh-key-file.ts'

/** Loopback addresses reach nothing from another device: an invite leaves them out when it has others. */
const isLoopback = (address: string): boolean => address.startsWith('/ip4/127.') || address.startsWith('/ip6/::1/')

/** `roaring-mesh invite`: the running peer's mesh, key and addresses, as one line. */
export async function runInvite (dataDir: string, out: (line: string) => void): Promise<number> {
  const files = dataFiles(dataDir)
  const client = await ControlClient.connect(files.socket, dataDir)
  let status
  try {
    const response = await client.request({ op: 'status' })
    if (!response.ok || response.status == null) throw new CliError(ExitCode.failure, `the peer on ${dataDir} did not say its status`)
    status = response.status
  } finally {
    client.close()
  }
  const key = await readMeshKey(files.meshKey)
  if (key == null) throw new CliError(ExitCode.usage, `the peer on ${dataDir} runs an open mesh (no ${files.meshKey}): anyone who can reach it joins without an invite`)
  const reachable = status.addresses.filter((address) => !isLoopback(address))
  out(encodeInvite({ mesh: status.mesh, key, addresses: reachable.length > 0 ? reachable : status.addresses }))
  return ExitCode.ok
}
