/**
 * How the example's processes stop: on SIGINT or SIGTERM, and when the process that started them
 * is gone. `npx …` and `npm run …` without `exec` start node under `sh`, and a signal to npm
 * ends npm and sh but never reaches node: node notices that its parent changed and stops too. A
 * stop that hangs past `deadlineMs` exits anyway, so ports are free within the 2 s users expect.
 */
export function stopOnSignals (stop: () => Promise<void>, deadlineMs = 1500): void {
  let stopping = false
  const parent = process.ppid
  const run = (): void => {
    if (stopping) return
    stopping = true
    setTimeout(() => { process.exit(1) }, deadlineMs).unref()
    stop().then(() => { process.exit(0) }, (err: Error) => {
      console.error(`could not stop cleanly: ${err.message}`)
      process.exit(1)
    })
  }
  process.on('SIGINT', run)
  process.on('SIGTERM', run)
  setInterval(() => { if (process.ppid !== parent) run() }, 250).unref()
}
