import { describe, expect, it } from 'vitest';
import { FeatureRow } from '../src/metrics/feature-vector.js';
import { FeatureVectorBuilder, type PodRef } from '../src/metrics/feature-vector-builder.js';
import { LatestFeatureVectors } from '../src/metrics/latest-feature-vectors.js';
import type { PromQueryApi, RangeSeries } from '../src/metrics/prometheus-api.js';

// A cycle's vectors share one block of rows, and each answer is digested as it is read (rangeEach) instead of
// being kept whole until the last one is in. Both must give exactly the vectors of the whole-answer path.

const T = 1_800_000_000_000;
const times = Array.from({ length: 6 }, (_, i) => T - (5 - i) * 60_000);

/** Answers for pods p-0..p-(n-1) in shop, on nodes n-0..n-2, with gaps: pod i has no memory series when i % 4 = 1. */
function answers(query: string, n: number): RangeSeries[] {
  if (!query.includes('namespace, pod')) {
    // n-2 has no node-exporter series at all.
    return [0, 1].map((k) => ({
      labels: { instance: `n-${k}` },
      times,
      values: times.map((_, j) => 0.1 * (k + 1) + j / 100),
    }));
  }
  const memory = query.includes('memory');
  return Array.from({ length: n }, (_, i) => ({
    labels: { namespace: 'shop', pod: `p-${i}` },
    times,
    values: times.map((_, j) => (memory ? 0.5 : 1) * (i + 1) + j * (query.includes('restarts') ? 0 : 0.01)),
  })).filter((_, i) => !(memory && i % 4 === 1));
}

/** range() only: the builder reads each answer whole. */
function wholeApi(n: number): PromQueryApi {
  return { instant: async () => [], range: async (q) => answers(q, n), drainWarnings: () => [] };
}

/** With rangeEach, through one reused pair of arrays as the real reader does; range() must not be called. */
function visitingApi(n: number): PromQueryApi & { ranges: number } {
  const api = {
    ranges: 0,
    instant: async () => [],
    range: async (q: string) => {
      api.ranges++;
      return answers(q, n);
    },
    rangeEach: async (q: string, _s: number, _e: number, _step: number, visit: (s: RangeSeries) => void) => {
      const shared = { times: [] as number[], values: [] as number[] };
      for (const s of answers(q, n)) {
        shared.times.splice(0, shared.times.length, ...s.times);
        shared.values.splice(0, shared.values.length, ...s.values);
        visit({ labels: s.labels, times: shared.times, values: shared.values });
      }
    },
    drainWarnings: () => [],
  };
  return api;
}

const podsOf = (n: number): PodRef[] =>
  Array.from({ length: n }, (_, i) => ({ namespace: 'shop', name: `p-${i}`, nodeName: `n-${i % 3}` }));

const plain = (cycle: Awaited<ReturnType<FeatureVectorBuilder['build']>>) =>
  cycle.status === 'ok'
    ? cycle.vectors.map((v) => ({ ...v, features: v.features.map((f) => f) }))
    : `unavailable: ${cycle.reason}`;

describe('feature rows in one block, answers digested as read', () => {
  it('gives the same vectors as reading each answer whole, missing data included', async () => {
    // A pod not in any answer, and a pod named twice.
    const pods = [
      ...podsOf(700),
      { namespace: 'shop', name: 'gone', nodeName: 'n-0' },
      podsOf(700)[5] as PodRef,
    ];
    const visiting = visitingApi(700);
    const streamed = await new FeatureVectorBuilder(visiting).build({ namespaces: [], pods }, T);
    const whole = await new FeatureVectorBuilder(wholeApi(700)).build({ namespaces: [], pods }, T);
    expect(visiting.ranges).toBe(0);
    expect(plain(streamed)).toEqual(plain(whole));
    if (streamed.status !== 'ok') throw new Error('unavailable');
    const [first, , , , , sixth] = streamed.vectors;
    expect(first?.state).toBe('complete');
    expect(streamed.vectors[1]?.missing).toContain('pod_memory_usage.value');
    // n-2 has no node series: its pods lack the node signals, and nothing else.
    expect(streamed.vectors[2]?.missing).toContain('node_cpu_utilization.value');
    expect(streamed.vectors[700]?.missing).toContain('pod_cpu_usage.value');
    // The pod named twice has its own row with the same numbers.
    expect(streamed.vectors[701]?.features).not.toBe(sixth?.features);
    expect(streamed.vectors[701]?.features.toNullable()).toEqual(sixth?.features.toNullable());
  });

  it('keeps the rows of one cycle in one block, and a detached row owns its buffers', () => {
    const rows = FeatureRow.block(3, 'no_series');
    rows[1]?.setValue(4, 2.5);
    expect(rows.every((r) => r.shared)).toBe(true);
    expect(rows[0]?.values.buffer).toBe(rows[2]?.values.buffer);
    expect(rows[0]?.at(4)).toEqual({ ok: false, missing: 'no_series' });
    const own = rows[1]?.detached();
    expect(own?.shared).toBe(false);
    expect(own?.toNullable()).toEqual(rows[1]?.toNullable());
    rows[1]?.setValue(4, 9);
    expect(own?.valueAt(4)).toBe(2.5);
    expect(new FeatureRow().shared).toBe(false);
  });

  it('remembers a pod the latest build left out with a row of its own, not its old cycle block', async () => {
    const builder = new FeatureVectorBuilder(visitingApi(10));
    const latest = new LatestFeatureVectors(builder);
    await latest.build({ namespaces: [], pods: podsOf(10) }, T);
    const before = latest.get('shop', 'p-9')?.vector.features;
    expect(before?.shared).toBe(true);
    // The next cycle asks about p-0..p-7 only.
    await latest.build({ namespaces: [], pods: podsOf(8) }, T);
    const refreshed = latest.get('shop', 'p-0')?.vector.features;
    const leftOut = latest.get('shop', 'p-9')?.vector.features;
    expect(refreshed?.shared).toBe(true);
    expect(refreshed?.values.buffer).not.toBe(before?.values.buffer);
    expect(leftOut?.shared).toBe(false);
    expect(leftOut?.toNullable()).toEqual(before?.toNullable());
  });
});
