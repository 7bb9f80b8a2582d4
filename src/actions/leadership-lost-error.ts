/**
 * Thrown when this replica may no longer mutate the cluster: its leadership term ended (the context's signal
 * aborted) or the fence says another replica leads. The runner records it as a `LeadershipLost` skip; the
 * mutation it guarded was never sent.
 */
export class LeadershipLostError extends Error {
  override readonly name = 'LeadershipLostError';
}
