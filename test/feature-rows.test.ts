import { describe, expect, it } from 'vitest';
import { DetectionCycle } from '../src/detection/detection-cycle.js';
import { RuleTracker } from '../src/detection/rule-tracker.js';
import { FeatureRow } from '../src/metrics/feature-vector.js';
import { FeatureVectorBuilder, type PodRef } from '../src/metrics/feature-vector-builder.js';
import { LatestFeatureVectors } from '../src/metrics/latest-feature-vectors.js';
import type { PromQueryApi, RangeSeries } from '../src/metrics/prometheus-api.js';
import { policySpecSchema } from '../src/policy/spec-schema.js';

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

  it("gives a pod named twice, on another node, that node's signals (missing when it has none)", async () => {
    // p-3 is on n-0 (node series) and named again on n-2 (none); p-5 is on n-2 and named again on n-1.
    const pods: PodRef[] = [
      ...podsOf(10),
      { namespace: 'shop', name: 'p-3', nodeName: 'n-2' },
      { namespace: 'shop', name: 'p-5', nodeName: 'n-1' },
    ];
    const cycle = await new FeatureVectorBuilder(visitingApi(10)).build({ namespaces: [], pods }, T);
    if (cycle.status !== 'ok') throw new Error('unavailable');
    const [p3, p5, again3, again5] = [3, 5, 10, 11].map((i) => cycle.vectors[i]);
    expect(p3?.state).toBe('complete');
    expect(again3?.state).toBe('insufficient_data');
    expect(again3?.missing).toContain('node_cpu_utilization.value');
    expect(again3?.missing).not.toContain('pod_cpu_usage.value');
    expect(again3?.features.valueAt(18)).toBe(p3?.features.valueAt(18));
    expect(p5?.missing).toContain('node_memory_utilization.value');
    // On n-1 it has that node's signals; its own memory series is missing either way (i % 4 = 1).
    expect(again5?.missing.some((m) => m.startsWith('node_'))).toBe(false);
    expect(again5?.missing).toContain('pod_memory_usage.value');
  });

  it('one builder, cycle after cycle, gives what a fresh builder gives as the pods change and come back', async () => {
    // The builder indexes the last list of pods again while it is the same objects in the same order.
    const builder = new FeatureVectorBuilder(visitingApi(30));
    const a = podsOf(20);
    const twice = [...a, a[3] as PodRef];
    const copies = a.map((p) => ({ ...p }));
    // Pods 10 and 11 trade places: the same objects, not in the same order.
    const swapped = a.map((p, i) => (i === 10 ? (a[11] as PodRef) : i === 11 ? (a[10] as PodRef) : p));
    const mine = podsOf(20);
    const steps: Array<() => readonly PodRef[]> = [
      () => a,
      () => [...a],
      () => a,
      () => swapped,
      () => a,
      () => [...a].reverse(),
      () => a,
      () => a.slice(0, 10),
      () => twice,
      () => a,
      () => copies,
      () => [...copies, ...podsOf(25).slice(20)],
      // The caller's own array, changed in place between two builds.
      () => mine,
      () => mine.reverse(),
      () => {
        mine.splice(3, 5);
        return mine;
      },
    ];
    for (const [i, step] of steps.entries()) {
      const pods = step();
      const reused = await builder.build({ namespaces: [], pods }, T);
      const fresh = await new FeatureVectorBuilder(visitingApi(30)).build({ namespaces: [], pods }, T);
      expect(plain(reused), `list ${i}`).toEqual(plain(fresh));
      if (reused.status !== 'ok') throw new Error('unavailable');
      expect(reused.vectors.map((v) => v.pod)).toEqual(pods.map((p) => p.name));
    }
  });

  it('keeps the rows of one cycle in one block, and a detached row owns its buffers', () => {
    const rows = FeatureRow.block(3, 'no_series');
    rows[1]?.setValue(4, 2.5);
    expect(rows.every((r) => r.shared)).toBe(true);
    expect(rows[0]?.sameBlock(rows[2] as FeatureRow)).toBe(true);
    expect(rows[0]?.at(4)).toEqual({ ok: false, missing: 'no_series' });
    // Each row is its own window of the block: a write lands in one row, at its own slot.
    expect(rows.map((r) => r.valueAt(4))).toEqual([undefined, 2.5, undefined]);
    rows[2]?.setValue(0, 7);
    expect(rows[1]?.toNullable().filter((v) => v !== null)).toEqual([2.5]);
    expect(rows[2]?.valueAt(0)).toBe(7);
    const own = rows[1]?.detached();
    expect(own?.shared).toBe(false);
    expect(own?.sameBlock(rows[1] as FeatureRow)).toBe(false);
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
    expect(refreshed?.sameBlock(before as FeatureRow)).toBe(false);
    expect(leftOut?.shared).toBe(false);
    expect(leftOut?.toNullable()).toEqual(before?.toNullable());
  });
});

describe('assessments and the cycle block', () => {
  it('a policy with a small share of the cycle keeps copies of its rows; a big one keeps the block', async () => {
    const spec = policySpecSchema.parse({
      evaluationInterval: '30s',
      targets: { kinds: ['Deployment'] },
      detection: {
        mode: 'Rules',
        rules: [{ name: 'r', feature: 'pod_cpu_usage.value', operator: '>', value: 1e9 }],
      },
      actions: [{ name: 'tell', type: 'RecommendOnly' }],
    });
    const pods = podsOf(40);
    const target = (name: string, of: PodRef[]) => ({
      target: { kind: 'Deployment' as const, namespace: 'shop', name },
      pods: of.map((p, i) => ({ ...p, uid: `u-${name}-${i}` })),
    });
    const cycle = new DetectionCycle({
      features: new FeatureVectorBuilder(visitingApi(40)),
      rules: new RuleTracker(),
    });
    const results = await cycle.run(
      [
        { key: 'big', spec, targets: [target('all', pods)] },
        { key: 'small', spec, targets: [target('two', [pods[0], pods[3]] as PodRef[])] },
      ],
      T + 5_000,
    );
    // Pods on n-2 have no node series, so no complete vector and no row kept: the others do.
    const rowsOf = (key: string) =>
      results.get(key)?.targets.flatMap((t) => t.pods.flatMap((p) => (p.values ? [p.values] : []))) ?? [];
    expect(rowsOf('big').length).toBeGreaterThan(10);
    expect(rowsOf('big').every((r) => r.shared)).toBe(true);
    expect(rowsOf('small')).toHaveLength(2);
    expect(rowsOf('small').every((r) => r !== undefined && !r.shared)).toBe(true);
    expect(rowsOf('small')[0]?.toNullable()).toEqual(rowsOf('big')[0]?.toNullable());
  });
});
