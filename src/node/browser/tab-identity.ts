/**
 * A name for this tab's replica that survives a reload but is never used by two tabs at once: a
 * replica id shared by two live writers would hand out the same dots twice. The name is kept in
 * `sessionStorage` (one per tab, kept across reloads) and held with a Web Lock for the tab's
 * life; a duplicated tab, which inherits the session storage, finds the lock taken and makes a
 * fresh name.
 */
export async function tabReplicaName (prefix: string): Promise<string> {
  const slot = `roaring-mesh:tab:${prefix}`
  const kept = sessionStorage.getItem(slot)
  if (kept != null && await holdLock(kept)) return kept
  while (true) {
    const name = `${prefix}/${crypto.randomUUID().slice(0, 8)}`
    if (await holdLock(name)) {
      sessionStorage.setItem(slot, name)
      return name
    }
  }
}

/** Takes the lock named `name` until the page goes away; false if another tab holds it. */
async function holdLock (name: string): Promise<boolean> {
  return await new Promise<boolean>((resolve) => {
    void navigator.locks.request(`roaring-mesh:replica:${name}`, { ifAvailable: true }, async (lock) => {
      resolve(lock != null)
      if (lock != null) await new Promise(() => {})
    })
  })
}
