/**
 * The reconcile contract (level-based, as in controller-runtime and kube-rs): the reconciler gets only a key, reads
 * current state from caches and converges. It returns when to look again, or throws.
 */
export interface ReconcileResult {
  /** Come back after this long even if nothing changes (periodic re-evaluation). */
  requeueAfterMs?: number;
}

/** What a reconcile runs under. */
export interface ReconcileContext {
  /** The leadership term's signal: aborted the moment this replica stops leading; stop before the next write. */
  signal: AbortSignal;
}

export interface Reconciler {
  reconcile(key: string, context?: ReconcileContext): Promise<ReconcileResult>;
}

/** An error that retrying cannot fix (e.g. a malformed object): the key is dropped until it changes again. */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
}

export type ErrorAction = { kind: 'backoff' } | { kind: 'requeueAfter'; ms: number } | { kind: 'drop' };

/** Decides what a failed reconcile means; separate from the reconciler so it can be tested on its own. */
export type ErrorPolicy = (key: string, error: unknown, retries: number) => ErrorAction;

export const defaultErrorPolicy: ErrorPolicy = (_key, error) =>
  error instanceof TerminalError ? { kind: 'drop' } : { kind: 'backoff' };

/** Key format shared by the queue and caches: "namespace/name". */
export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0
    ? { namespace: '', name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
