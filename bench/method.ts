// The method, as RESULTS.md opens with it: what is timed, what is not, and where each system's
// adapter is, so that a reader can judge the figures before reading them.

const ADAPTERS: Record<string, string> = {
  'roaring-mesh': 'MemStore, byte keys and values; native CRoaring bitmaps',
  'roaring-mesh-wasm': 'the same store on the WASM bitmap backend (what browsers run)',
  'roaring-mesh-unsigned': 'MemStore with `writerKeys: false`: writers not bound to keys (nothing signed or verified), for meshes whose members all trust each other',
  yjs: '`Y.Map`, hex-string keys; sync by state vector and update',
  loro: '`LoroMap`, hex-string keys; sync by version vector and update export',
  tinybase: '`MergeableStore`, hex-string row ids, base64 cells; sync as its synchronizer does',
  automerge: 'a map document, hex-string keys; Automerge\'s sync protocol',
  map: 'a plain `Map` with latin1-string keys: the floor, no replication at all',
  'map-copy': 'the same `Map` keeping a copy of each value, as roaring-mesh does',
}

export function methodSection (systems: string[]): string {
  return [
    '## Method',
    [
      '- **Same inputs, in each system\'s own form, made before the clock starts.** The workloads',
      '  draw keys (16 random bytes) and values (128 random bytes) from one seeded generator, so every',
      '  system gets the same values; each adapter\'s `key()` and `value()` turn them into what the',
      '  system takes (bytes for roaring-mesh, hex strings for Yjs, Loro, Automerge and TinyBase,',
      '  base64 cells for TinyBase, latin1 strings for the `Map`) before any timed span. A timed span',
      '  holds only the system\'s own work: the writes of a transaction, or an op\'s encode, ship,',
      '  decode and integrate, or a sync round with every message encoded and decoded.',
      '- **The heap collected before the clock.** Inputs made just before a timed span are young',
      '  objects, and the collection that moves them out of the young generation (17–21 ms for',
      '  100,000 keys and values) would fall inside the span of whichever system first allocates:',
      '  every workload runs a full collection between making its inputs and starting the clock, for',
      '  every system alike (`collectBeforeClock` in measure.ts).',
      '- **Cold and warm.** Each system runs in its own fresh `node --expose-gc` process per',
      '  workload and size. *Cold* is the first run in a process (the JIT has seen none of the',
      '  system\'s code), the median over the processes. *Warm* is the same process after warm-up',
      '  runs: the median of the timed runs, with their range. Ratios are given for both.',
      '- **Interleaved.** The processes of the systems take turns, one system further on each',
      '  round, so a slow spell of this shared machine touches every system alike.',
      '- **Memory** is what `heapUsed` grew by after full collections, from before the inputs were',
      '  made to after they were dropped, plus the larger of what `external` (V8\'s count, which holds',
      '  the WebAssembly memory where Loro and Automerge keep their state) and `arrayBuffers` (Node.js\'s',
      '  count, which alone holds the SharedArrayBuffers where roaring-mesh keeps its own) grew by.',
      '  Byte figures count every message of a sync round, both ways.',
      '- **Each table\'s `check`** compares sampled keys of the replicas (a silent replication bug',
      '  shows as MISMATCH).',
    ].join('\n'),
    [
      'Each system\'s adapter is the whole of what it is asked to do (the contract: [systems/types.ts](systems/types.ts); the workloads: [workloads/](workloads/)):',
      ...systems.map((name) => `- [${name}](systems/${name.startsWith('roaring-mesh') ? 'roaring-mesh-adapter' : name}.ts): ${ADAPTERS[name] ?? ''}`),
    ].join('\n'),
  ].join('\n\n')
}
