/**
 * Where a mesh peer whose store has `writerKeys: false` talks: a topic and a diff mesh name of
 * its own, so that signed and unsigned peers of one mesh never exchange ops or diffs (each kind
 * of store refuses the other's anyway; this keeps them from trying). A signed peer that pulls
 * from an unsigned one is answered "unknown mesh", and the other way round.
 */

/** The ops topic of an unsigned peer: its signed counterpart's with `/unsigned` added. */
export function unsignedTopic (topic: string): string {
  return `${topic}/unsigned`
}

/**
 * The name an unsigned peer serves and pulls diffs under. The NUL cannot come from a mesh name a
 * person typed, so no signed mesh's name is ever this.
 */
export function diffMeshName (mesh: string, writerKeys: boolean): string {
  return writerKeys ? mesh : `${mesh}\u0000unsigned`
}
