import { describe, expect, it } from 'vitest';
import {
  assertFeatureLayout,
  FEATURE_COUNT,
  FEATURE_NAMES,
  featureIndex,
  isFeatureName,
} from '../src/metrics/feature-catalogue.js';

describe('feature catalogue v1', () => {
  it('has 45 features in signal-major order, as in the reference', () => {
    expect(FEATURE_COUNT).toBe(45);
    expect(FEATURE_NAMES[0]).toBe('node_cpu_utilization.value');
    expect(FEATURE_NAMES[8]).toBe('node_cpu_utilization.pct_change');
    expect(FEATURE_NAMES[9]).toBe('node_memory_utilization.value');
    expect(FEATURE_NAMES[44]).toBe('container_restart_count.pct_change');
    expect(featureIndex('pod_memory_usage.lag_5')).toBe(3 * 9 + 6);
  });
  it('recognises names and rejects others', () => {
    expect(isFeatureName('container_restart_count.diff')).toBe(true);
    expect(isFeatureName('container_restart_count.delta')).toBe(false);
  });
  it('rejects a layout with a different length, order or version', () => {
    expect(() => assertFeatureLayout('v1', FEATURE_NAMES)).not.toThrow();
    expect(() => assertFeatureLayout('v1', FEATURE_NAMES.slice(0, 44))).toThrow(/44 names/);
    const swapped: string[] = [
      FEATURE_NAMES[1] as string,
      FEATURE_NAMES[0] as string,
      ...FEATURE_NAMES.slice(2),
    ];
    expect(() => assertFeatureLayout('v1', swapped)).toThrow(/feature 0/);
    expect(() => assertFeatureLayout('v2', FEATURE_NAMES)).toThrow(/version/);
  });
});
