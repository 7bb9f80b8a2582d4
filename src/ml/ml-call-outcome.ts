/** How the ML facade runs backend calls: never throwing, every failure an MlCallError it can report. */
import { MlCallError } from './ml-failure.js';

export type CallResult<T> = { ok: true; value: T } | { ok: false; error: MlCallError };

/** Runs a backend call; any rejection, even an unexpected one, becomes a failed result instead of a throw. */
export async function attemptCall<T>(call: () => Promise<T>): Promise<CallResult<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (err) {
    return { ok: false, error: toCallError(err, 'backend') };
  }
}

export function toCallError(err: unknown, endpoint: string): MlCallError {
  if (err instanceof MlCallError) return err;
  return new MlCallError({
    kind: 'connection',
    endpoint,
    detail: err instanceof Error ? err.message : String(err),
  });
}

/** The local detector must never take a decision down with it. */
export function safely<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

/** Why a decision did not come from the model, for its note: a contract violation is not an outage. */
export function fallbackReason(error: MlCallError): string {
  if (error.kind === 'contract_violation') return `ML contract violation (${error.detail ?? error.message})`;
  return `ML unavailable (${error.kind})`;
}
