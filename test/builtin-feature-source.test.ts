import { describe, expect, it } from 'vitest';
import { type ClusterDataset, generateCluster, type PodKey } from '../src/demo/cluster-metrics.js';
import { BuiltinFeatureSource } from '../src/metrics/builtin-feature-source.js';
import { keepForFeatures } from '../src/metrics/builtin-signals.js';
import { ExpositionError, parseExposition } from '../src/metrics/exposition-parser.js';
import { FEATURE_COUNT, FEATURE_NAMES, featureIndex } from '../src/metrics/feature-catalogue.js';
import type { FeatureCycle, PodFeatureVector } from '../src/metrics/feature-vector.js';
import { SampleStore } from '../src/metrics/sample-store.js';
import { expectedFeatures, podNode } from './support/expected-features.js';

/**
 * The built-in feature source (FEATURE_SOURCE=builtin) must compute what the Prometheus path computes. The
 * Prometheus path is held to expected-features.ts (an independent computation from the raw samples, per
 * Prometheus's documented rules) by feature-vector-builder.test.ts; the built-in source is held to the same
 * expectations on the same kind of dataset, with the same tolerance, including the edge cases.
 */
const REL_TOL = 1e-9;
const ABS_TOL = 1e-12;
const OPTIONS = { stepSeconds: 60, rateWindowSeconds: 300 };

function expectClose(actual: number, expected: number, what: string): void {
  const tolerance = ABS_TOL + REL_TOL * Math.max(Math.abs(actual), Math.abs(expected));
  if (Math.abs(actual - expected) > tolerance)
    throw new Error(`${what}: got ${actual}, expected ${expected} (tolerance ${tolerance})`);
}

function vectorOf(cycle: FeatureCycle, pod: PodKey): PodFeatureVector {
  if (cycle.status !== 'ok') throw new Error(`cycle unavailable: ${cycle.message}`);
  const v = cycle.vectors.find((x) => x.namespace === pod.namespace && x.pod === pod.name);
  if (!v) throw new Error(`no vector for ${pod.namespace}/${pod.name}`);
  return v;
}

function sourceFor(dataset: ClusterDataset): BuiltinFeatureSource {
  const store = new SampleStore({ keep: keepForFeatures, retentionMs: 60 * 60_000 });
  store.backfill(dataset.series);
  return new BuiltinFeatureSource(store, OPTIONS);
}

describe('the built-in feature source on a replayed history', () => {
  const endMs = Math.floor(Date.now() / 1000) * 1000;
  const dataset = generateCluster({ seed: 11, nodeCount: 3, podCount: 40, namespaces: ['shop'], endMs });
  const source = sourceFor(dataset);
  const t = source.alignedInstant(endMs - 60_000);

  it('matches every one of the 45 features computed independently from the raw samples', async () => {
    const scenarios = dataset.scenarios;
    if (!scenarios) throw new Error('dataset has no scenarios');
    const regular = dataset.pods.filter((p) => p.name.startsWith('app-')).slice(0, 6);
    const pods: PodKey[] = [...regular, ...Object.values(scenarios)];
    // Discovery from kube_pod_info, as FeatureVectorBuilder does without a pod list.
    const cycle = await source.build({ namespaces: ['shop'] }, t);
    expect(cycle.status === 'ok' && cycle.evaluatedAtMs).toBe(t);
    let compared = 0;
    const present = new Set<string>();
    for (const pod of pods) {
      const expected = expectedFeatures(dataset, pod, t, OPTIONS);
      const vector = vectorOf(cycle, pod);
      expect(vector.features).toHaveLength(FEATURE_COUNT);
      expect(vector.node).toBe(podNode(dataset, pod, t));
      vector.features.forEach((f, i) => {
        const what = `${pod.namespace}/${pod.name} ${FEATURE_NAMES[i]}`;
        const e = expected[i];
        if (e === null || e === undefined) {
          expect(f.ok, `${what} should be missing`).toBe(false);
          return;
        }
        if (!f.ok) throw new Error(`${what}: missing (${f.missing}), expected ${e}`);
        expectClose(f.value, e, what);
        present.add(FEATURE_NAMES[i] ?? '');
        compared++;
      });
    }
    expect(present.size).toBe(FEATURE_COUNT);
    expect(compared).toBeGreaterThanOrEqual(regular.length * FEATURE_COUNT);
    for (const pod of regular) expect(vectorOf(cycle, pod).state).toBe('complete');
  });

  it('reports the edge cases as missing with the same reasons, never as a number', async () => {
    const s = dataset.scenarios;
    if (!s) throw new Error('dataset has no scenarios');
    const cycle = await source.build({ namespaces: ['shop'] }, t);
    const reasons = (pod: PodKey, prefix: string) =>
      vectorOf(cycle, pod)
        .features.map((f, i) => ({ f, name: FEATURE_NAMES[i] ?? '' }))
        .filter(({ name }) => name.startsWith(prefix))
        .map(({ f }) => (f.ok ? 'value' : f.missing));
    expect(reasons(s.noMemoryLimit, 'pod_memory_usage.')).toEqual(Array(9).fill('no_series'));
    expect(vectorOf(cycle, s.noMemoryLimit).state).toBe('insufficient_data');
    expect(reasons(s.noCadvisor, 'pod_cpu_usage.').every((r) => r !== 'value')).toBe(true);
    expect(reasons(s.unexportedNode, 'node_cpu_utilization.').every((r) => r !== 'value')).toBe(true);
    const fresh = vectorOf(cycle, s.recentlyStarted);
    expect(fresh.features.at(featureIndex('pod_cpu_usage.lag_5'))).toEqual({
      ok: false,
      missing: 'no_series',
    });
    expect(fresh.state).toBe('insufficient_data');
    const reset = vectorOf(cycle, s.counterReset).features.at(featureIndex('pod_cpu_usage.min_5m'));
    expect(reset?.ok && reset.value > 0).toBe(true);
    // A pod nobody reports on has no node and no data: missing, not zero.
    const ghost = await source.build({ namespaces: [], pods: [{ namespace: 'shop', name: 'ghost' }] }, t);
    const g = vectorOf(ghost, { namespace: 'shop', name: 'ghost' });
    expect(g.node).toBeUndefined();
    expect(g.features.every((f) => !f.ok)).toBe(true);
    expect(g.features.at(0)).toEqual({ ok: false, missing: 'no_node' });
  });

  it('says it is unavailable, and why, when its scrapes fail', async () => {
    const failing = new BuiltinFeatureSource(new SampleStore({ keep: keepForFeatures, retentionMs: 1 }), {
      problem: () => 'no successful scrape for 20 s of http://127.0.0.1:1/metrics',
    });
    const cycle = await failing.build({ namespaces: ['shop'] }, t);
    expect(cycle).toMatchObject({ status: 'unavailable', reason: 'unreachable' });
    expect(cycle.status === 'unavailable' && cycle.message).toContain(
      'built-in feature source: no successful',
    );
  });
});

describe('scrapes into the sample store', () => {
  const T0 = 1_800_000_000_000;
  const body = (pods: string[]) =>
    [
      '# HELP container_memory_working_set_bytes Current working set in bytes.',
      '# TYPE container_memory_working_set_bytes gauge',
      ...pods.map(
        (p) =>
          `container_memory_working_set_bytes{namespace="shop",pod="${p}",container="app",id="/x\\"y"} 100`,
      ),
      ...pods.map((p) => `container_memory_working_set_bytes{namespace="shop",pod="${p}",container=""} 100`),
      ...pods.map(
        (p) =>
          `kube_pod_container_resource_limits{namespace="shop",pod="${p}",container="app",resource="memory",unit="byte"} 400`,
      ),
      'kube_pod_status_phase{namespace="shop",pod="a",phase="Running"} 1',
    ].join('\n');

  it('parses the exposition format, escapes included, and names a line it cannot read', () => {
    const samples = parseExposition(body(['a']));
    expect(samples).toHaveLength(4);
    expect(samples[0]).toEqual({
      name: 'container_memory_working_set_bytes',
      labels: { namespace: 'shop', pod: 'a', container: 'app', id: '/x"y' },
      value: 100,
    });
    expect(parseExposition('up 1 1700000000000\nx{} NaN')).toMatchObject([{ value: 1 }, { labels: {} }]);
    expect(() => parseExposition('ok 1\nbroken{pod="a" 1')).toThrow(ExpositionError);
    expect(() => parseExposition('ok 1\nbroken{pod="a" 1')).toThrow(/line 2/);
    expect(() => parseExposition('x{pod="a"} one')).toThrow(/not a sample value/);
  });

  it('keeps only the series the features read, and marks series gone from a scrape stale at once', async () => {
    const store = new SampleStore({ keep: keepForFeatures, retentionMs: 15 * 60_000 });
    // Two pods for six minutes, then pod b is gone (deleted): it must stop counting at once, not 5 minutes later.
    for (let i = 0; i <= 72; i++) store.appendScrape(parseExposition(body(['a', 'b'])), T0 + i * 5_000);
    for (let i = 73; i <= 90; i++) store.appendScrape(parseExposition(body(['a'])), T0 + i * 5_000);
    expect([...store.select('kube_pod_status_phase')]).toEqual([]);
    expect([...store.select('container_memory_working_set_bytes')]).toHaveLength(2);
    const source = new BuiltinFeatureSource(store, OPTIONS);
    const t = T0 + 7 * 60_000 + 10_000;
    const cycle = await source.build(
      {
        namespaces: [],
        pods: [
          { namespace: 'shop', name: 'a', nodeName: 'n' },
          { namespace: 'shop', name: 'b', nodeName: 'n' },
        ],
      },
      t,
    );
    const memory = (pod: string) => vectorOf(cycle, { namespace: 'shop', name: pod }).features;
    const at = featureIndex('pod_memory_usage.value');
    expect(memory('a').at(at)).toEqual({ ok: true, value: 0.25 });
    expect(memory('b').at(at)).toEqual({ ok: false, missing: 'no_series' });
    // A minute earlier b was still there.
    expect(memory('b').at(featureIndex('pod_memory_usage.lag_1'))).toEqual({ ok: true, value: 0.25 });
  });
});
