// Workloads 1 and 2: bulk insert into one replica, and op-by-op replication
// to a second replica. Keys and values are in each system's own form before the clock starts.
import { checkContent, collectBeforeClock, elapsedMs, memoryGrowth, memoryNow, sampleIndices, verdict, type Expectation, type Figures } from '../measure.ts'
import type { BenchSystem } from '../systems/types.ts'
import { ENTRY_BYTES, createRng, randomEntries } from '../workload.ts'

/** N sets in one transaction: speed, and memory held per entry beyond the raw 144 bytes. */
export function bulkInsert<R, K, V>(system: BenchSystem<R, K, V>, n: number): Figures {
  const before = memoryNow()
  const raw = randomEntries(createRng(1), n)
  const expectations = sampleIndices(n).map((i): Expectation => [raw.keys[i], raw.values[i]])
  const keys = raw.keys.map((key) => system.key(key))
  const values = raw.values.map((value) => system.value(value))
  // Only what the inputs share with the store (a system keeping the caller's keys or values) stays counted.
  raw.keys.length = 0
  raw.values.length = 0
  const replica = system.create()
  collectBeforeClock()
  const ms = elapsedMs(() => system.write(replica, keys, values))
  keys.length = 0
  values.length = 0
  const heapBytes = memoryGrowth(before)
  return {
    ms,
    setsPerSec: n / (ms / 1000),
    heapBytes,
    bytesPerEntryOverRaw: heapBytes / n - ENTRY_BYTES,
    check: verdict(checkContent(system, replica, n, expectations)),
  }
}

/** N sets, each its own transaction, each op encoded, shipped, decoded and integrated on a second replica. */
export function opSync<R, K, V>(system: BenchSystem<R, K, V>, n: number): Figures {
  const raw = randomEntries(createRng(2), n)
  const keys = raw.keys.map((key) => system.key(key))
  const values = raw.values.map((value) => system.value(value))
  const sender = system.create()
  const receiver = system.create()
  let wireBytes = 0
  collectBeforeClock()
  const ms = elapsedMs(() => {
    for (let i = 0; i < n; i++) {
      const op = system.setAsOp(sender, keys[i], values[i])
      wireBytes += op.length
      system.applyOp(receiver, op)
    }
  })
  const expectations = sampleIndices(n).map((i): Expectation => [raw.keys[i], raw.values[i]])
  return {
    ms,
    opsPerSec: n / (ms / 1000),
    bytesPerOp: wireBytes / n,
    check: verdict(checkContent(system, receiver, n, expectations)),
  }
}
