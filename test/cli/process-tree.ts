// What a test needs to check that a command it started is gone, every process of it, and its
// ports free: the process tree under a pid (Linux /proc), and a port that can be bound again.
import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/** The pids of `root` and every process under it, now. */
export function processTree (root: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      // The command name may hold spaces and parentheses: the ppid comes after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)])
    } catch {}
  }
  const tree: number[] = []
  const visit = (pid: number): void => {
    tree.push(pid)
    for (const child of children.get(pid) ?? []) visit(child)
  }
  visit(root)
  return tree
}

export function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    // A zombie has exited; only its parent has not collected it yet.
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

export async function portIsFree (port: number, host = '127.0.0.1'): Promise<boolean> {
  return await new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => { resolve(false) })
    server.listen(port, host, () => { server.close(() => { resolve(true) }) })
  })
}

/**
 * Polls until every pid is gone and every port free, up to `timeout` ms; resolves with how long
 * that took, or rejects naming what is left.
 */
export async function waitGone (pids: number[], ports: number[], timeout: number): Promise<number> {
  const started = performance.now()
  while (true) {
    const alive = pids.filter(isAlive)
    const busy = []
    for (const port of ports) if (!await portIsFree(port)) busy.push(port)
    if (alive.length === 0 && busy.length === 0) return performance.now() - started
    if (performance.now() - started > timeout) {
      const left = alive.map((pid) => { try { return `${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')}` } catch { return String(pid) } })
      throw new Error(`after ${timeout} ms still running: ${JSON.stringify(left)}; ports still taken: ${JSON.stringify(busy)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** Kills whatever of `pids` is left (after a failed test), so nothing outlives it. */
export function killAll (pids: number[]): void {
  for (const pid of pids) {
    try { process.kill(pid, 'SIGKILL') } catch {}
  }
}

/** Spawns `command` and collects its output lines; its stdin stays open (a closed one stops an interactive peer). */
export function spawnWithLines (command: string, args: string[], options: Parameters<typeof spawn>[2]): { proc: ChildProcess, lines: string[], waitFor: (match: RegExp, timeout: number) => Promise<RegExpExecArray> } {
  const proc = spawn(command, args, { ...options, stdio: ['pipe', 'pipe', 'pipe'] })
  const lines: string[] = []
  let buffered = ''
  const listeners = new Set<() => void>()
  const onData = (chunk: Buffer): void => {
    buffered += chunk.toString()
    const parts = buffered.split('\n')
    buffered = parts.pop()!
    lines.push(...parts)
    for (const listener of listeners) listener()
  }
  proc.stdout!.on('data', onData)
  proc.stderr!.on('data', onData)
  const waitFor = async (match: RegExp, timeout: number): Promise<RegExpExecArray> => await new Promise((resolve, reject) => {
    const check = (): void => {
      for (const line of lines) {
        const found = match.exec(line)
        if (found != null) {
          listeners.delete(check)
          clearTimeout(timer)
          resolve(found)
          return
        }
      }
    }
    const timer = setTimeout(() => {
      listeners.delete(check)
      reject(new Error(`timed out waiting for ${String(match)}; output:\n${lines.join('\n')}`))
    }, timeout)
    listeners.add(check)
    check()
  })
  return { proc, lines, waitFor }
}
