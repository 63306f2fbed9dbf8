// Workloads 3-5: state-based sync between two replicas. Each pull is the
// system's own anti-entropy protocol, with every byte in both directions counted.
// Keys and values are in each system's own form before the clock starts.
import { checkContent, collectBeforeClock, elapsedMs, elapsedMsAsync, memoryGrowth, memoryNow, sampleIndices, verdict, type Expectation, type Figures } from '../measure.ts'
import type { BenchSystem, SyncProtocol } from '../systems/types.ts'
import { ENTRY_BYTES, KEY_BYTES, VALUE_BYTES, createRng, randomBytes, randomEntries, randomIndex, randomSubset, type Rng } from '../workload.ts'

/** Edits per transaction while churning: batched, as an application replaying a log would. */
const CHURN_BATCH = 1000

function syncOf<R, K, V>(system: BenchSystem<R, K, V>): SyncProtocol<R> {
  if (!system.sync) throw new Error(`${system.name} has no sync protocol`)
  return system.sync
}

/** What `replica` should hold for sampled keys of another replica it just synced with. */
function expectSameAs<R, K, V>(system: BenchSystem<R, K, V>, source: R, keys: Uint8Array[]): Expectation[] {
  return sampleIndices(keys.length).map((i) => [keys[i], system.get(source, system.key(keys[i]))])
}

/** N entries to an empty replica. */
export async function fullSync<R, K, V>(system: BenchSystem<R, K, V>, n: number): Promise<Figures> {
  const sync = syncOf(system)
  const { keys, values } = randomEntries(createRng(3), n)
  const source = system.create()
  system.write(source, keys.map((key) => system.key(key)), values.map((value) => system.value(value)))
  system.settle?.(source)
  const target = system.create()
  let round = { requestBytes: 0, bytes: 0, roundTrips: 0 }
  collectBeforeClock()
  const ms = await elapsedMsAsync(async () => { round = await sync.pull(target, source) })
  return {
    ms,
    wireBytes: round.bytes,
    roundTrips: round.roundTrips,
    overPayload: round.bytes / (n * ENTRY_BYTES),
    check: verdict(checkContent(system, target, n, sampleIndices(n).map((i): Expectation => [keys[i], values[i]]))),
  }
}

/**
 * n keys, then 10n random overwrites, then 10% of the keys deleted, all in
 * batched transactions; then the cost of sync rounds between replicas that
 * agree, are 1k overwrites apart, and are one new entry apart.
 */
export async function churn<R, K, V>(system: BenchSystem<R, K, V>, n: number): Promise<Figures> {
  const rng = createRng(4)
  // Keys live in one flat buffer that exists before the baseline; each write gets a fresh copy, so a store that keeps key objects pays for them.
  const keyBytes = randomBytes(rng, n * KEY_BYTES)
  const keyAt = (i: number): Uint8Array => keyBytes.slice(i * KEY_BYTES, (i + 1) * KEY_BYTES)
  // Only the writes are timed: generating 1.1M random values costs more than a plain Map's own work.
  let writeMs = 0
  const writeBatch = (replica: R, indices: number[], deleting: boolean): void => {
    const keys = indices.map((i) => system.key(keyAt(i)))
    const values = indices.map(() => (deleting ? null : system.value(randomBytes(rng, VALUE_BYTES))))
    writeMs += elapsedMs(() => system.write(replica, keys, values))
  }
  const overwrite = (replica: R, count: number): void => {
    for (let done = 0; done < count; done += CHURN_BATCH) {
      writeBatch(replica, Array.from({ length: Math.min(CHURN_BATCH, count - done) }, () => randomIndex(rng, n)), false)
    }
  }

  const before = memoryNow()
  const source = system.create()
  const deleted = randomSubset(rng, n, Math.floor(n / 10))
  for (let start = 0; start < n; start += CHURN_BATCH) {
    writeBatch(source, Array.from({ length: Math.min(CHURN_BATCH, n - start) }, (_, i) => start + i), false)
  }
  overwrite(source, 10 * n)
  for (let start = 0; start < deleted.length; start += CHURN_BATCH) writeBatch(source, deleted.slice(start, start + CHURN_BATCH), true)
  const figures: Figures = { churnMs: writeMs, heapBytes: memoryGrowth(before) }
  const sync = system.sync
  if (!sync) return { ...figures, check: verdict() }

  if (sync.snapshotBytes) figures.stateBytes = sync.snapshotBytes(source)
  const allKeys = Array.from({ length: n }, (_, i) => keyAt(i))
  const live = n - deleted.length
  system.settle?.(source)
  const target = system.create()
  await sync.pull(target, source)
  const problems = [checkContent(system, target, live, expectSameAs(system, source, allKeys))]
  const agreeing = await sync.pull(target, source)
  figures.requestBytes = agreeing.requestBytes
  figures.agreeRound = agreeing.bytes
  overwrite(source, 1000)
  figures.apart1kRound = (await sync.pull(target, source)).bytes
  problems.push(checkContent(system, target, system.size(source), expectSameAs(system, source, allKeys)))
  const newKey = randomBytes(rng, KEY_BYTES)
  system.write(source, [system.key(newKey)], [system.value(randomBytes(rng, VALUE_BYTES))])
  figures.newEntryRound = (await sync.pull(target, source)).bytes
  problems.push(checkContent(system, target, system.size(source), expectSameAs(system, source, [newKey])))
  return { ...figures, check: verdict(...problems) }
}

/** Each replica makes n edits offline, one transaction each, half of them on keys both edit; then sync both ways. */
export async function concurrentEdits<R, K, V>(system: BenchSystem<R, K, V>, n: number): Promise<Figures> {
  const sync = syncOf(system)
  const rng = createRng(5)
  const half = Math.floor(n / 2)
  const shared = randomEntries(rng, half).keys
  const sharedKeys = shared.map((key) => system.key(key))
  /** One replica's edits, ready to write: on the shared keys and on its own, alternating. */
  const editsOf = (replicaRng: Rng): { own: Uint8Array[], keys: K[], values: V[] } => {
    const own = randomEntries(replicaRng, half).keys
    const keys: K[] = []
    const values: V[] = []
    for (let i = 0; i < half; i++) {
      keys.push(sharedKeys[i], system.key(own[i]))
      values.push(system.value(randomBytes(replicaRng, VALUE_BYTES)), system.value(randomBytes(replicaRng, VALUE_BYTES)))
    }
    return { own, keys, values }
  }
  const editsA = editsOf(createRng(6))
  const editsB = editsOf(createRng(7))
  const edit = (replica: R, edits: { keys: K[], values: V[] }): void => {
    for (let i = 0; i < edits.keys.length; i++) system.write(replica, [edits.keys[i]], [edits.values[i]])
  }
  const a = system.create()
  const b = system.create()
  const touched = [...shared, ...editsA.own, ...editsB.own]
  collectBeforeClock()
  const editMs = elapsedMs(() => { edit(a, editsA); edit(b, editsB) })
  system.settle?.(a)
  system.settle?.(b)
  let bytes = 0
  let roundTrips = 0
  collectBeforeClock()
  const syncMs = await elapsedMsAsync(async () => {
    for (const [to, from] of [[b, a], [a, b]]) {
      const round = await sync.pull(to, from)
      bytes += round.bytes
      roundTrips += round.roundTrips
    }
  })
  const everyKey = touched.map((key): Expectation => [key, system.get(a, system.key(key))])
  return {
    editMs,
    syncMs,
    wireBytes: bytes,
    roundTrips,
    check: verdict(checkContent(system, a, 3 * half, everyKey), checkContent(system, b, 3 * half, everyKey)),
  }
}
