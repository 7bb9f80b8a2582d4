import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { naivePodFeatures } from '../bench/naive-feature-strategy.js';
import { type ClusterDataset, generateCluster, type PodKey } from '../src/demo/cluster-metrics.js';
import { type BackfilledPrometheus, startBackfilledPrometheus } from '../src/demo/prometheus-launcher.js';
import { FEATURE_COUNT, FEATURE_NAMES, featureIndex } from '../src/metrics/feature-catalogue.js';
import {
  actionableVectors,
  type FeatureCycle,
  type PodFeatureVector,
} from '../src/metrics/feature-vector.js';
import { FeatureVectorBuilder } from '../src/metrics/feature-vector-builder.js';
import { PrometheusClient } from '../src/metrics/prometheus-client.js';
import { expectedFeatures, podNode } from './support/expected-features.js';
import { type LoopbackProxy, startLoopbackProxy } from './support/loopback-proxy.js';

// Stated tolerance: values are float64 end to end; only summation order differs between PromQL and the
// independent computation, so 1e-9 relative (plus 1e-12 absolute for values near zero) is ample.
const REL_TOL = 1e-9;
const ABS_TOL = 1e-12;
const STEP_SECONDS = 60;
const OPTIONS = { stepSeconds: STEP_SECONDS, rateWindowSeconds: 300 };

function expectClose(actual: number, expected: number, what: string): void {
  const tolerance = ABS_TOL + REL_TOL * Math.max(Math.abs(actual), Math.abs(expected));
  if (Math.abs(actual - expected) > tolerance) {
    throw new Error(`${what}: got ${actual}, expected ${expected} (tolerance ${tolerance})`);
  }
}

function okCycle(cycle: FeatureCycle): Extract<FeatureCycle, { status: 'ok' }> {
  if (cycle.status !== 'ok') throw new Error(`cycle unavailable: ${cycle.reason}: ${cycle.message}`);
  return cycle;
}

function vectorOf(cycle: FeatureCycle, pod: PodKey): PodFeatureVector {
  const v = okCycle(cycle).vectors.find((x) => x.namespace === pod.namespace && x.pod === pod.name);
  if (!v) throw new Error(`no vector for ${pod.namespace}/${pod.name}`);
  return v;
}

describe('feature vectors against a real backfilled Prometheus', () => {
  let dataset: ClusterDataset;
  let prom: BackfilledPrometheus;
  let proxy: LoopbackProxy;
  let client: PrometheusClient;
  let builder: FeatureVectorBuilder;
  let t: number;

  beforeAll(async () => {
    // History ends "now"; evaluation is 1-2 minutes earlier, at a minute (the naive subqueries need one), and
    // 37 s past it for the instants off the step grid the engine reads at.
    const endMs = Math.floor(Date.now() / 1000) * 1000;
    dataset = generateCluster({
      seed: 7,
      nodeCount: 4,
      podCount: 1000,
      namespaces: ['shop', 'batch', 'bulk'],
      endMs,
    });
    prom = await startBackfilledPrometheus(dataset);
    proxy = await startLoopbackProxy(prom.url);
    client = new PrometheusClient({ url: proxy.url, timeoutMs: 10_000, maxConcurrency: 4 });
    builder = new FeatureVectorBuilder(client, OPTIONS);
    t = Math.floor((endMs - 60_000) / 60_000) * 60_000;
  });

  afterAll(async () => {
    await proxy?.close();
    await prom?.stop();
  });

  // Found through kube_pod_info (the CLI), and named by the caller as the engine names them: then each answer is
  // digested as it is read (rangeEach) into one block of rows, and the nodes still come from kube_pod_info.
  it.each(['found', 'named'])(
    'matches every one of the 45 features computed independently from the raw samples (pods %s)',
    async (how) => {
      const scenarios = dataset.scenarios;
      if (!scenarios) throw new Error('dataset has no scenarios');
      const regular = dataset.pods
        .filter((p) => p.namespace === 'shop' && p.name.startsWith('app-'))
        .slice(0, 6);
      const pods: PodKey[] = [...regular, ...Object.values(scenarios)];
      const selection =
        how === 'found'
          ? { namespaces: ['shop'] }
          : { namespaces: [], pods: pods.map((p) => ({ namespace: p.namespace, name: p.name })) };
      const cycle = await builder.build(selection, t);
      let compared = 0;
      const presentFeatures = new Set<string>();
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
          } else {
            if (!f.ok) throw new Error(`${what}: missing (${f.missing}), expected ${e}`);
            expectClose(f.value, e, what);
            presentFeatures.add(FEATURE_NAMES[i] ?? '');
            compared++;
          }
        });
      }
      // Every feature was compared as a number for some pod, and the regular pods are fully populated.
      expect(presentFeatures.size).toBe(FEATURE_COUNT);
      expect(compared).toBeGreaterThanOrEqual(regular.length * FEATURE_COUNT);
      for (const pod of regular) expect(vectorOf(cycle, pod).state).toBe('complete');
    },
  );

  it('reads at the instant asked for, off the step grid too, with the same exact definitions', async () => {
    // Cycles 30 s apart within one minute read different instants; neither is rounded down to the minute.
    const pods = dataset.pods.filter((p) => p.namespace === 'shop' && p.name.startsWith('app-')).slice(0, 6);
    const seen: number[][] = [];
    for (const at of [t + 7_000, t + 37_400]) {
      const cycle = okCycle(await builder.build({ namespaces: ['shop'] }, at));
      const instant = Math.floor(at / 1000) * 1000;
      expect(cycle.evaluatedAtMs).toBe(instant);
      for (const pod of pods) {
        const expected = expectedFeatures(dataset, pod, instant, OPTIONS);
        const vector = vectorOf(cycle, pod);
        expect(vector.state).toBe('complete');
        seen.push(vector.features.map((f) => (f.ok ? f.value : Number.NaN)));
        vector.features.forEach((f, i) => {
          const e = expected[i];
          if (!f.ok || e === null || e === undefined) throw new Error(`${FEATURE_NAMES[i]} missing`);
          expectClose(f.value, e, `${pod.name} ${FEATURE_NAMES[i]} at ${new Date(instant).toISOString()}`);
        });
      }
    }
    // The later instant saw newer samples: values, lags and windows moved with it.
    const moved = pods.map((_, p) => seen[p]?.filter((v, i) => v !== seen[p + pods.length]?.[i]).length ?? 0);
    for (const count of moved) expect(count).toBeGreaterThan(10);
  });

  it('reports the edge cases as missing with a reason, never as a number', async () => {
    const s = dataset.scenarios;
    if (!s) throw new Error('dataset has no scenarios');
    const cycle = await builder.build({ namespaces: ['shop'] }, t);
    const reasons = (pod: PodKey, prefix: string) =>
      vectorOf(cycle, pod)
        .features.map((f, i) => ({ f, name: FEATURE_NAMES[i] ?? '' }))
        .filter(({ name }) => name.startsWith(prefix))
        .map(({ f }) => (f.ok ? 'value' : f.missing));

    expect(reasons(s.noMemoryLimit, 'pod_memory_usage.')).toEqual(Array(9).fill('no_series'));
    expect(vectorOf(cycle, s.noMemoryLimit).state).toBe('insufficient_data');
    expect(vectorOf(cycle, s.noMemoryLimit).missing).toContain('pod_memory_usage.value');
    expect(reasons(s.noCadvisor, 'pod_cpu_usage.').every((r) => r !== 'value')).toBe(true);
    expect(reasons(s.unexportedNode, 'node_cpu_utilization.').every((r) => r !== 'value')).toBe(true);
    expect(vectorOf(cycle, s.unexportedNode).node).toBe('node-unexported');
    const fresh = vectorOf(cycle, s.recentlyStarted);
    expect(fresh.features.at(featureIndex('pod_cpu_usage.lag_5'))).toEqual({
      ok: false,
      missing: 'no_series',
    });
    expect(fresh.features.at(featureIndex('pod_cpu_usage.value'))?.ok).toBe(true);
    expect(fresh.state).toBe('insufficient_data');
    // The counter reset is corrected, not read as a huge negative rate.
    const reset = vectorOf(cycle, s.counterReset).features.at(featureIndex('pod_cpu_usage.min_5m'));
    expect(reset?.ok && reset.value > 0).toBe(true);
    expect(vectorOf(cycle, s.counterReset).state).toBe('complete');
    // Only complete vectors may be scored or matched; the others are counted, not acted on.
    const usable = actionableVectors(cycle);
    expect(usable.degraded).toBe(false);
    expect(usable.insufficient).toBe(4);
    const names = new Set(usable.vectors.map((v) => v.pod));
    for (const pod of [s.noMemoryLimit, s.noCadvisor, s.recentlyStarted, s.unexportedNode])
      expect(names.has(pod.name)).toBe(false);
  });

  it('equals the naive per-pod subquery strategy on the same data', async () => {
    const pod = dataset.pods.find((p) => p.namespace === 'batch');
    if (!pod) throw new Error('no batch pod');
    const batched = vectorOf(await builder.build({ namespaces: ['batch'] }, t), pod);
    const naive = await naivePodFeatures(client, pod.namespace, pod.name, t, STEP_SECONDS);
    batched.features.forEach((f, i) => {
      const n = naive.values[i];
      if (!f.ok || n === null || n === undefined || !Number.isFinite(n))
        throw new Error(`${FEATURE_NAMES[i]} missing`);
      expectClose(f.value, n, `naive vs batched ${FEATURE_NAMES[i]}`);
    });
  });

  it('issues the same small number of queries for 10 pods and for 1,000 pods (counted at the HTTP proxy)', async () => {
    const ten = dataset.pods.filter((p) => p.namespace === 'shop').slice(0, 10);
    proxy.reset();
    const small = okCycle(await builder.build({ namespaces: ['shop'], pods: ten }, t));
    const smallCount = proxy.queryCount();
    proxy.reset();
    const large = okCycle(await builder.build({ namespaces: ['shop', 'batch', 'bulk'] }, t));
    const largeCount = proxy.queryCount();

    expect(small.vectors).toHaveLength(10);
    expect(large.vectors.length).toBeGreaterThanOrEqual(1000);
    expect(smallCount).toBe(largeCount);
    expect(largeCount).toBe(6); // 5 signal range queries + 1 kube_pod_info
    expect(large.queries).toBe(largeCount);
    // Off the minute, too: one instant, the same six queries.
    proxy.reset();
    await builder.build({ namespaces: ['shop', 'batch', 'bulk'] }, t + 23_000);
    expect(proxy.queryCount()).toBe(6);
    // With every pod's spec.nodeName known, the kube_pod_info join is skipped.
    proxy.reset();
    await builder.build({ namespaces: ['shop'], pods: ten.map((p) => ({ ...p, nodeName: p.node })) }, t);
    expect(proxy.queryCount()).toBe(5);
  });
});
