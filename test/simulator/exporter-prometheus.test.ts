import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  prometheusAvailable,
  type RunningPrometheus,
  startScrapingPrometheus,
} from '../../src/demo/prometheus-launcher.js';
import { type LivingCluster, type PodView, startLivingCluster } from '../support/living-cluster.js';
import { waitFor } from '../support/wait-for.js';

/**
 * A real Prometheus scraping the simulator's exporter: the numbers in Prometheus are the cluster's numbers.
 * Restart counters equal the pods' restartCount, a leaking container's memory climbs to its limit and the kubelet
 * OOM-kills it there, and CPU never exceeds the limit.
 */
const B = 'sandbox.coordination-engine.io';
let cluster: LivingCluster;
let prometheus: RunningPrometheus;

beforeAll(async () => {
  cluster = await startLivingCluster({ exporter: true });
  const exporter = cluster.simulator.exporter;
  if (!exporter) throw new Error('the simulator started without its exporter');
  prometheus = await startScrapingPrometheus({ targets: [new URL(exporter.url).host], intervalSeconds: 1 });
});
afterAll(async () => {
  await prometheus?.stop();
  await cluster?.stop();
});

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(promql: string): Promise<Sample[]> {
  const res = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; data: { result: Sample[] } };
  if (body.status !== 'success') throw new Error(`query failed: ${promql}`);
  return body.data.result;
}

async function pods(ns: string): Promise<PodView[]> {
  return (await cluster.getJson<{ items: PodView[] }>(`/api/v1/namespaces/${ns}/pods`)).items.filter(
    (p) => !p.metadata.deletionTimestamp,
  );
}

async function deploy(
  ns: string,
  name: string,
  annotations: Record<string, string>,
  limits: Record<string, string>,
) {
  await cluster.ok('create', 'namespace', ns);
  const file = await cluster.manifest(`${ns}-${name}.yaml`, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, annotations },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: `shop/${name}:1.0`, resources: { limits } }] },
      },
    },
  });
  await cluster.ok('apply', '-f', file);
}

describe.skipIf(!prometheusAvailable())('the exporter, scraped by a real Prometheus', () => {
  it.concurrent('reports the same restart counts as the pods, while a deployment crash-loops', async () => {
    const ns = 'prom-crash';
    await cluster.ok('create', 'namespace', ns);
    await cluster.ok('create', 'deployment', 'web', '--image=nginx', '--replicas=3', '-n', ns);
    await cluster.ok(
      'annotate',
      'deployment',
      'web',
      '-n',
      ns,
      `${B}/behaviour=crashloop`,
      `${B}/crash-after=3s`,
    );
    const agreed = await waitFor(
      'Prometheus restart counters equal to every pod restartCount, at 2 or more',
      async () => {
        const live = await pods(ns);
        const series = await query(`kube_pod_container_status_restarts_total{namespace="${ns}"}`);
        const fromPrometheus = new Map(series.map((s) => [s.metric.pod, Number(s.value[1])]));
        const fromApi = new Map(
          live.map((p) => [p.metadata.name, p.status.containerStatuses?.[0]?.restartCount ?? 0]),
        );
        const equal =
          live.length === 3 &&
          fromPrometheus.size === 3 &&
          [...fromApi].every(([pod, n]) => n >= 2 && fromPrometheus.get(pod) === n);
        return equal && fromApi;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    expect([...agreed.values()].every((n) => n >= 2)).toBe(true);
    await waitFor(
      'CrashLoopBackOff as a waiting reason in Prometheus',
      async () =>
        (await query(`kube_pod_container_status_waiting_reason{namespace="${ns}",reason="CrashLoopBackOff"}`))
          .length > 0,
      { timeoutMs: 30_000, intervalMs: 500 },
    );
  }, 120_000);

  it.concurrent('shows a leaking container climbing to its memory limit, then OOMKilled there', async () => {
    const ns = 'prom-leak';
    const limit = 64 * 1024 * 1024;
    await deploy(
      ns,
      'cache',
      { [`${B}/behaviour`]: 'memory-leak', [`${B}/leak-rate`]: '2Mi' },
      { memory: '64Mi', cpu: '500m' },
    );
    const oomed = await waitFor(
      'an OOMKilled restart',
      async () => {
        const [pod] = await pods(ns);
        const status = pod?.status.containerStatuses?.[0];
        return (
          status && status.restartCount >= 1 && status.lastState.terminated?.reason === 'OOMKilled' && pod
        );
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(oomed.status.containerStatuses?.[0]?.lastState.terminated?.exitCode).toBe(137);
    const selector = `namespace="${ns}",container="app"`;
    // The working set over the first run: it rose steadily and peaked just under the limit.
    const peak = await waitFor('the peak in Prometheus', async () => {
      const [s] = await query(`max_over_time(container_memory_working_set_bytes{${selector}}[2m])`);
      return s && Number(s.value[1]);
    });
    expect(peak).toBeGreaterThan(0.9 * limit);
    expect(peak).toBeLessThanOrEqual(limit);
    const res = await fetch(
      `${prometheus.url}/api/v1/query?query=${encodeURIComponent(`container_memory_working_set_bytes{${selector}}[2m]`)}`,
    );
    const body = (await res.json()) as { data: { result: { values: [number, string][] }[] } };
    const values = body.data.result[0]?.values.map(([, v]) => Number(v)) ?? [];
    const firstRun = values.slice(0, values.indexOf(Math.max(...values)) + 1);
    expect(firstRun.length).toBeGreaterThan(5);
    const rises = firstRun.slice(1).filter((v, i) => v > (firstRun[i] as number)).length;
    expect(rises / (firstRun.length - 1)).toBeGreaterThan(0.8);
  }, 120_000);

  it.concurrent('keeps a saturated container at, never above, its CPU limit', async () => {
    const ns = 'prom-cpu';
    await deploy(
      ns,
      'api',
      { [`${B}/behaviour`]: 'cpu-saturation', [`${B}/onset`]: '2s' },
      { cpu: '500m', memory: '128Mi' },
    );
    const rate = await waitFor(
      'a saturated CPU rate',
      async () => {
        const [s] = await query(
          `rate(container_cpu_usage_seconds_total{namespace="${ns}",container="app"}[10s])`,
        );
        return s && Number(s.value[1]) > 0.45 && Number(s.value[1]);
      },
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    expect(rate).toBeLessThanOrEqual(0.5);
    const [limit] = await query(`kube_pod_container_resource_limits{namespace="${ns}",resource="cpu"}`);
    expect(Number(limit?.value[1])).toBe(0.5);
  }, 90_000);

  it('exports node-exporter series per node, named as the engine queries them', async () => {
    const nodes = await waitFor('node series', async () => {
      const s = await query('1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[10s]))');
      return s.length === 3 && s;
    });
    for (const s of nodes) {
      expect(s.metric.instance).toMatch(/^worker-\d$/);
      expect(Number(s.value[1])).toBeGreaterThanOrEqual(0);
      expect(Number(s.value[1])).toBeLessThan(1);
    }
    const memory = await query('1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes');
    expect(memory).toHaveLength(3);
    const info = await query('kube_pod_info');
    expect(info.every((s) => /^worker-\d$/.test(s.metric.node ?? ''))).toBe(true);
  });
});
