// Runs in Chromium (bundled by ../indexeddb-numbers.ts): a LevelStore on IndexedDB takes a
// state sync of `count` entries as DiffSync.pull hands it over (frames of 64 KiB, each decoded,
// integrated and written before the next, each in its own task), and reports how long until the
// store holds them durably, with the Long Tasks API's tasks over 50 ms meanwhile.
import { LevelStore, MemStore, decodeDiff, encodeDiff, stringCodec } from '../../src/browser.ts'
import { nextTask, whenIdle } from '../../src/protocols/diff/diff-store.ts'

interface SyncFigures {
  count: number
  frames: number
  durableMs: number
  longTasks: number[]
}

async function runSync (count: number): Promise<SyncFigures> {
  // The mesh-control fill of the browser suite: keys and values of its shape.
  const source = new MemStore<string, string>('source', { keys: stringCodec, values: stringCodec })
  source.begin()
  for (let i = 0; i < count; i++) source.set(`bulk-${String(i).padStart(6, '0')}`, `value ${i} ${'x'.repeat(12)}`)
  source.commit()
  // WebCrypto signs asynchronously: a diff serves only entries whose batch is signed.
  await source.signed()
  const name = `bench-${Date.now()}-${Math.random()}`
  const target = await LevelStore.open<string, string>(name, { keys: stringCodec, values: stringCodec })
  const frames = [...source.buildDiffFrames(target.requestDiff({ hash: false }), { maxFrameBytes: 65536 })].map(encodeDiff)
  const longTasks: number[] = []
  const observer = new PerformanceObserver((list) => { for (const entry of list.getEntries()) longTasks.push(Math.round(entry.duration)) })
  observer.observe({ type: 'longtask', buffered: false })
  const start = performance.now()
  for (const frame of frames) {
    const diff = decodeDiff(frame)
    // Verified ahead (WebCrypto answers asynchronously), as the mesh does: part of the sync's cost.
    await target.verifyDiff(diff)
    await whenIdle(target)
    await target.integrateDiff(diff)
    await nextTask()
  }
  await target.flush()
  const durableMs = performance.now() - start
  // Long tasks are reported after the task that made them.
  await new Promise((resolve) => setTimeout(resolve, 100))
  observer.disconnect()
  if (target.size !== count) throw new Error(`the store holds ${target.size} entries, not ${count}`)
  await target.close()
  indexedDB.deleteDatabase(name)
  return { count, frames: frames.length, durableMs: Math.round(durableMs), longTasks }
}

;(globalThis as any).runSync = runSync
