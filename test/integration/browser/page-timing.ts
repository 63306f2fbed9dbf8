import type { Page } from 'playwright-core'

// What the browser mesh test measures in the pages: how long a write takes to show in another
// page's table, and what CPU time the pages' main threads spent on each task (from a Chromium
// trace, since the Long Tasks API counts wall time, other processes' share of the CPU included).

interface TraceEvent { name: string, ph: string, pid: number, tid: number, tdur?: number, args?: { name?: string } }

/** The CPU time (ms) of every task on the renderers' main threads in a Chromium trace. */
export function mainThreadTaskCpuMs (trace: { traceEvents: TraceEvent[] }): number[] {
  const main = new Set(trace.traceEvents.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}/${e.tid}`))
  return trace.traceEvents
    .filter((e) => e.name === 'RunTask' && e.ph === 'X' && e.tdur != null && main.has(`${e.pid}/${e.tid}`))
    .map((e) => e.tdur! / 1000)
}

/**
 * Page `from` writes `key`; resolves with the ms until page `to`'s table shows its row, both
 * read on the pages' clocks (performance.timeOrigin + performance.now()).
 */
export async function writeToVisibleMs (from: Page, to: Page, key: string): Promise<number> {
  await to.evaluate((k) => {
    const shown = new Promise<number>((resolve) => {
      const observer = new MutationObserver(() => {
        if (document.querySelector(`#entries tr[data-key="${k}"]`) != null) {
          observer.disconnect()
          resolve(performance.timeOrigin + performance.now())
        }
      })
      observer.observe(document.getElementById('entries')!, { childList: true })
    })
    Object.assign(window, { shownAt: shown })
  }, key)
  const sentAt = await from.evaluate((k) => {
    const at = performance.timeOrigin + performance.now()
    window.roaringMesh.store.set(k, 'x')
    return at
  }, key)
  const shownAt = await to.evaluate(async () => await (window as unknown as { shownAt: Promise<number> }).shownAt)
  return shownAt - sentAt
}
