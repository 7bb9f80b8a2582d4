/**
 * Controller expectations, as client-go's controllers keep them: after creating or deleting pods, a controller's
 * cache lags its own writes for a moment. Until the informer has shown the effect, the pods it created count as
 * present and the pods it deleted as gone, so a second reconcile does not create or delete the same pods again.
 * Entries expire (a lost watch event must not block a controller for ever).
 */
export class Expectations {
  private readonly created = new Map<string, Map<string, number>>();
  private readonly deleted = new Map<string, Map<string, number>>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = 30_000,
  ) {}

  /** A pod (by name) that `owner` created and the cache may not show yet. */
  expectCreated(owner: string, podName: string): void {
    bucket(this.created, owner).set(podName, this.now());
  }

  /** A pod (by uid) that `owner` deleted and the cache may still show as active. */
  expectDeleted(owner: string, podUid: string): void {
    bucket(this.deleted, owner).set(podUid, this.now());
  }

  /** The informer showed the pod: the expectation is met. */
  observedCreated(owner: string, podName: string): void {
    this.created.get(owner)?.delete(podName);
  }

  observedDeleted(owner: string, podUid: string): void {
    this.deleted.get(owner)?.delete(podUid);
  }

  /** Names created but not yet seen (expired ones dropped). */
  pendingCreations(owner: string): string[] {
    return this.live(this.created, owner);
  }

  /** Uids deleted but still cached as active (expired ones dropped). */
  pendingDeletions(owner: string): Set<string> {
    return new Set(this.live(this.deleted, owner));
  }

  forget(owner: string): void {
    this.created.delete(owner);
    this.deleted.delete(owner);
  }

  private live(map: Map<string, Map<string, number>>, owner: string): string[] {
    const entries = map.get(owner);
    if (!entries) return [];
    const cutoff = this.now() - this.ttlMs;
    for (const [id, at] of entries) if (at < cutoff) entries.delete(id);
    if (entries.size === 0) map.delete(owner);
    return [...entries.keys()];
  }
}

function bucket(map: Map<string, Map<string, number>>, owner: string): Map<string, number> {
  let entries = map.get(owner);
  if (!entries) {
    entries = new Map();
    map.set(owner, entries);
  }
  return entries;
}
