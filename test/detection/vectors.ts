import { FEATURE_NAMES, type FeatureName, featureIndex } from '../../src/metrics/feature-catalogue.js';
import { FeatureRow, type FeatureValue, type PodFeatureVector } from '../../src/metrics/feature-vector.js';

/** A complete vector of zeros with the given features set, or missing when set to null. */
export function vector(
  pod: string,
  values: Partial<Record<FeatureName, number | null>> = {},
  namespace = 'shop',
): PodFeatureVector {
  const features: FeatureValue[] = FEATURE_NAMES.map(() => ({ ok: true, value: 0 }));
  for (const [name, v] of Object.entries(values) as Array<[FeatureName, number | null]>) {
    features[featureIndex(name)] = v === null ? { ok: false, missing: 'no_series' } : { ok: true, value: v };
  }
  const missing = FEATURE_NAMES.filter((_, i) => !features[i]?.ok);
  return {
    namespace,
    pod,
    node: 'node-a',
    features: FeatureRow.of(features),
    state: missing.length > 0 ? 'insufficient_data' : 'complete',
    missing,
  };
}
