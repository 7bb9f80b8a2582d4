import { FEATURE_NAMES, FEATURE_SCHEMA_VERSION, type FeatureName } from './feature-catalogue.js';
import type { PrometheusFailureKind } from './prometheus-api.js';

/**
 * Why a feature has no value. Never replaced by a default: a model must not score invented data.
 * - no_series: Prometheus has no series for this pod/node at that instant (or not enough samples for rate()).
 * - no_node: the pod's node is unknown (absent from kube_pod_info and not given by the caller).
 * - not_finite: the query produced NaN or ±Inf (for example a memory limit of 0).
 * - no_input: a derived statistic (diff, pct_change) whose inputs are missing.
 */
export type MissingReason = 'no_series' | 'no_node' | 'not_finite' | 'no_input';

export type FeatureValue =
  | { readonly ok: true; readonly value: number }
  | { readonly ok: false; readonly missing: MissingReason };

/** complete: all features present. insufficient_data: some required feature is missing; never scored, never acted on. */
export type VectorState = 'complete' | 'insufficient_data';

export interface PodFeatureVector {
  readonly namespace: string;
  readonly pod: string;
  /** Node the node signals were taken from, when known. */
  readonly node: string | undefined;
  /** 45 entries in FEATURE_NAMES order. */
  readonly features: readonly FeatureValue[];
  readonly state: VectorState;
  readonly missing: readonly FeatureName[];
}

/**
 * One evaluation cycle. `ok` carries vectors evaluated at one shared instant; `unavailable` means no vector could
 * be trusted (Prometheus down, too slow, or answering garbage): the controller reports Degraded and does not act.
 */
export type FeatureCycle =
  | {
      readonly status: 'ok';
      readonly schemaVersion: typeof FEATURE_SCHEMA_VERSION;
      readonly evaluatedAtMs: number;
      readonly vectors: readonly PodFeatureVector[];
      readonly queries: number;
      /** Server warnings, e.g. a Thanos partial response; data may be incomplete. */
      readonly warnings: readonly string[];
    }
  | {
      readonly status: 'unavailable';
      readonly schemaVersion: typeof FEATURE_SCHEMA_VERSION;
      readonly evaluatedAtMs: number;
      readonly reason: PrometheusFailureKind;
      readonly message: string;
      readonly queries: number;
    };

export function value(v: number): FeatureValue {
  return Number.isFinite(v) ? { ok: true, value: v } : { ok: false, missing: 'not_finite' };
}

// One frozen object per reason: a cycle of 10,000 pods would otherwise allocate one per missing feature.
const MISSING: Readonly<Record<MissingReason, FeatureValue>> = {
  no_series: Object.freeze({ ok: false, missing: 'no_series' }),
  no_node: Object.freeze({ ok: false, missing: 'no_node' }),
  not_finite: Object.freeze({ ok: false, missing: 'not_finite' }),
  no_input: Object.freeze({ ok: false, missing: 'no_input' }),
};

export function missing(reason: MissingReason): FeatureValue {
  return MISSING[reason];
}

/** A vector is usable only when every required feature is present (by default all 45: the model needs them all). */
const requiredSets = new WeakMap<readonly FeatureName[], ReadonlySet<FeatureName>>();

export function vectorState(
  features: readonly FeatureValue[],
  required: readonly FeatureName[] = FEATURE_NAMES,
): { state: VectorState; missing: FeatureName[] } {
  const absent: FeatureName[] = [];
  for (let i = 0; i < FEATURE_NAMES.length; i++) {
    if (features[i]?.ok !== true) absent.push(FEATURE_NAMES[i] as FeatureName);
  }
  if (absent.length === 0) return { state: 'complete', missing: absent };
  // Built once per list of required features (the builder passes the same one for every pod).
  let requiredSet = requiredSets.get(required);
  if (!requiredSet) {
    requiredSet = new Set(required);
    requiredSets.set(required, requiredSet);
  }
  const blocking = absent.some((name) => requiredSet.has(name));
  return { state: blocking ? 'insufficient_data' : 'complete', missing: absent };
}

/** The numbers of a complete vector, in schema order, for a model call; throws if any is missing. */
export function numericFeatures(vector: PodFeatureVector): number[] {
  return vector.features.map((f, i) => {
    if (!f.ok)
      throw new Error(
        `feature ${FEATURE_NAMES[i]} of ${vector.namespace}/${vector.pod} is missing (${f.missing})`,
      );
    return f.value;
  });
}

/**
 * What a consumer may act on: nothing when the cycle is unavailable (report Degraded), otherwise only complete
 * vectors. `insufficient` is the count a policy's status reports; those vectors are never scored nor matched.
 */
export function actionableVectors(cycle: FeatureCycle): {
  degraded: boolean;
  vectors: readonly PodFeatureVector[];
  insufficient: number;
} {
  if (cycle.status === 'unavailable') return { degraded: true, vectors: [], insufficient: 0 };
  const vectors = cycle.vectors.filter((v) => v.state === 'complete');
  return { degraded: false, vectors, insufficient: cycle.vectors.length - vectors.length };
}

export { FEATURE_SCHEMA_VERSION };
