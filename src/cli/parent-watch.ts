/**
 * `npx roaring-mesh peer` runs node under `sh` under npm: a SIGTERM or SIGINT sent to npx ends
 * npm and sh but never reaches node, which would go on holding its ports and store. A peer
 * started by npm (npm sets `npm_lifecycle_event` for what it runs) therefore stops when the
 * process that started it is gone, which it sees as its parent id changing. Started any other way
 * (a shell, systemd, `nohup`), it outlives its parent as a daemon should.
 */
export function watchParent (onGone: () => void, env: NodeJS.ProcessEnv = process.env, intervalMs = 200): () => void {
  if (env.npm_lifecycle_event == null) return () => {}
  const parent = process.ppid
  const timer = setInterval(() => {
    if (process.ppid === parent) return
    clearInterval(timer)
    onGone()
  }, intervalMs)
  timer.unref()
  return () => { clearInterval(timer) }
}
