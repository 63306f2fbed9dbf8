// V8 forgets a class's object layouts (its maps) once the last object using them is collected,
// and deoptimizes every function compiled against them. A program that makes a store, drops it
// and makes another (a benchmark's repetitions, a test suite, a short-lived document) then runs
// each new store's first writes unoptimized: measured 2–3× slower over 100,000 sets. One small
// store held for the life of the process keeps the layouts, and the code compiled for them.

let anchor: object | null | undefined

/** Makes the anchor once (`make` may construct the class that calls this: it is not called again). */
export function keepLayouts (make: () => object): void {
  if (anchor !== undefined) return
  anchor = null
  anchor = make()
}
