import { describe, expect, it } from 'vitest';
import { FEATURE_NAMES } from '../src/metrics/feature-catalogue.js';
import { assertKubernetesName, buildFeatureQueries } from '../src/metrics/feature-queries.js';
import { signalStatistics } from '../src/metrics/feature-statistics.js';
import { FeatureRow, vectorState } from '../src/metrics/feature-vector.js';

const T = 1_800_000_000_000; // aligned to the minute
const points = (entries: [number, number][]) =>
  new Map(entries.map(([minutesAgo, v]) => [T - minutesAgo * 60_000, v]));
const values = (fs: ReturnType<typeof signalStatistics>) => fs.map((f) => (f.ok ? f.value : f.missing));

describe('signalStatistics', () => {
  it('derives the 9 statistics from step-aligned points', () => {
    const stats = values(
      signalStatistics(
        points([
          [5, 1],
          [4, 2],
          [3, 3],
          [2, 4],
          [1, 5],
          [0, 7],
        ]),
        T,
        60_000,
      ),
    );
    const mean = 22 / 6;
    const std = Math.sqrt([1, 2, 3, 4, 5, 7].reduce((a, v) => a + (v - mean) ** 2, 0) / 6);
    expect(stats).toEqual([7, mean, std, 1, 7, 5, 1, 2, 2 / 5]);
  });

  it('defines pct_change as 0 when lag_1 is 0', () => {
    const stats = values(
      signalStatistics(
        points([
          [1, 0],
          [0, 3],
        ]),
        T,
        60_000,
      ),
    );
    expect(stats[7]).toBe(3);
    expect(stats[8]).toBe(0);
  });

  it('marks missing lags and non-finite points instead of inventing numbers', () => {
    expect(
      values(
        signalStatistics(
          points([
            [1, 2],
            [0, 3],
          ]),
          T,
          60_000,
        ),
      )[6],
    ).toBe('no_series');
    expect(
      values(
        signalStatistics(
          points([
            [1, Number.POSITIVE_INFINITY],
            [0, 3],
          ]),
          T,
          60_000,
        ),
      ),
    ).toEqual([
      3,
      'not_finite',
      'not_finite',
      'not_finite',
      'not_finite',
      'not_finite',
      'no_series',
      'no_input',
      'no_input',
    ]);
    expect(values(signalStatistics(undefined, T, 60_000))).toEqual(Array(9).fill('no_series'));
  });
});

describe('vectorState', () => {
  it('is insufficient_data when a required feature is missing, complete when only optional ones are', () => {
    const features = FeatureRow.of(
      FEATURE_NAMES.map((name) =>
        name.startsWith('pod_memory_usage.')
          ? ({ ok: false, missing: 'no_series' } as const)
          : ({ ok: true, value: 1 } as const),
      ),
    );
    expect(vectorState(features).state).toBe('insufficient_data');
    expect(vectorState(features).missing).toHaveLength(9);
    expect(vectorState(features, ['pod_cpu_usage.value']).state).toBe('complete');
  });
});

describe('buildFeatureQueries', () => {
  it('rejects names that could inject PromQL, naming the field', () => {
    expect(() => assertKubernetesName('namespace', 'a"}or vector(1)')).toThrow(/namespace/);
    expect(() =>
      buildFeatureQueries({ namespaces: [], rateWindowSeconds: 300, nodeLabel: 'instance' }),
    ).toThrow(/namespaces/);
  });
  it('groups pod signals by (namespace, pod), filters the pod-level cAdvisor series, and escapes regex dots', () => {
    const q = buildFeatureQueries({
      namespaces: ['a.b', 'c'],
      rateWindowSeconds: 300,
      nodeLabel: 'instance',
    });
    const cpu = q.signals.find((s) => s.signal === 'pod_cpu_usage')?.promql ?? '';
    expect(cpu).toContain('by (namespace, pod)');
    expect(cpu).toContain('container!=""');
    expect(cpu).toContain('namespace=~"a\\\\.b|c"');
  });
});
