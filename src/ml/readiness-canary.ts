/**
 * Readiness proven by an inference, not taken on the server's word: the reference Flask server started without a
 * trained model answers `ready: true`, then a 500 on every predict (shared/reference/ml-service.md). So a backend
 * that says ready is asked to score one fixed, valid vector (a calm pod) through the same path as a cycle, with
 * the same validation: a failure, an answer that does not decode, or another model's answer means not ready.
 * The verdict itself is not judged: any decodable answer proves the model scores.
 */
import { FEATURE_COUNT, SIGNALS, STATISTICS } from '../metrics/feature-catalogue.js';
import type { CompleteFeatureVector } from './feature-vector.js';
import type { BackendReadiness, MlBackend } from './ml-backend.js';
import { MlCallError } from './ml-failure.js';

/** A calm pod: each signal level for the last 5 minutes (node ratios, pod CPU cores, memory / limit, restarts). */
const CALM_LEVELS: Record<(typeof SIGNALS)[number], number> = {
  node_cpu_utilization: 0.45,
  node_memory_utilization: 0.55,
  pod_cpu_usage: 0.25,
  pod_memory_usage: 0.5,
  container_restart_count: 0,
};

export const CANARY_NAMESPACE = 'coordination-engine';
export const CANARY_POD = 'readiness-canary';

/** The 45 features of the canary, in catalogue order. */
export const CANARY_VALUES: readonly number[] = SIGNALS.flatMap((signal) => {
  const level = CALM_LEVELS[signal];
  const row: Record<(typeof STATISTICS)[number], number> = {
    value: level,
    mean_5m: level,
    std_5m: level * 0.02,
    min_5m: level * 0.98,
    max_5m: level * 1.02,
    lag_1: level,
    lag_5: level,
    diff: 0,
    pct_change: 0,
  };
  return STATISTICS.map((stat) => row[stat]);
});
if (CANARY_VALUES.length !== FEATURE_COUNT)
  throw new Error('the readiness canary is not a full feature vector');

export function canaryVector(at: Date): CompleteFeatureVector {
  return { namespace: CANARY_NAMESPACE, pod: CANARY_POD, timestamp: at, values: [...CANARY_VALUES] };
}

/**
 * Scores the canary; resolves ready when the model answered, else rejects with the canary's failure (same kind)
 * and a message saying that `claim` (what the server said about itself) was not borne out.
 */
export async function proveByCanary(
  backend: Pick<MlBackend, 'detectAnomalies'>,
  claim: string,
  now: Date = new Date(),
): Promise<BackendReadiness> {
  const [outcome] = await backend.detectAnomalies([canaryVector(now)]);
  if (outcome?.verdict) {
    return { ready: true, detail: `${claim}, and a canary inference answered` };
  }
  const error = outcome?.error ?? new MlCallError({ kind: 'invalid_response', endpoint: 'readiness' });
  const status = error.status === undefined ? '' : `, HTTP ${error.status}`;
  throw new MlCallError(
    {
      kind: error.kind,
      endpoint: error.endpoint,
      ...(error.status === undefined ? {} : { status: error.status }),
      detail: error.detail ?? error.message,
    },
    `${claim}, but a canary inference failed (${error.kind}${status}: ${error.detail ?? error.message}): not ready`,
  );
}
