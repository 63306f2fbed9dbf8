/** A peer did not prove that it holds the mesh key: a wrong proof, a refusal, or none in time. */
export class NotAMemberError extends Error {
  static override readonly name = 'NotAMemberError'
  override readonly name = 'NotAMemberError'
}
