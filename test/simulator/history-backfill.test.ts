import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  prometheusAvailable,
  type RunningPrometheus,
  startScrapingPrometheus,
} from '../../src/demo/prometheus-launcher.js';
import { FeatureVectorBuilder } from '../../src/metrics/feature-vector-builder.js';
import { PrometheusClient } from '../../src/metrics/prometheus-client.js';
import { type LivingCluster, type PodView, startLivingCluster } from '../support/living-cluster.js';
import { waitFor } from '../support/wait-for.js';

/**
 * A scenario that starts with a past: the simulator renders the current pods' history with the same behaviour
 * functions the live exporter uses, Prometheus is backfilled with it and then scrapes the exporter. The live
 * series continue the history (no counter reset, restarts equal restartCount), and the engine's feature builder
 * gets complete 45-feature vectors for every pod at once, without waiting five minutes.
 */
const B = 'sandbox.coordination-engine.io';
const HISTORY_SECONDS = 20 * 60;
let cluster: LivingCluster;
let prometheus: RunningPrometheus & { samples: number };
const ns = 'shop';

async function pods(): Promise<PodView[]> {
  return (await cluster.getJson<{ items: PodView[] }>(`/api/v1/namespaces/${ns}/pods`)).items;
}

async function query(
  promql: string,
  atSeconds?: number,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const at = atSeconds === undefined ? '' : `&time=${atSeconds}`;
  const res = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(promql)}${at}`);
  return (
    (await res.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }
  ).data.result;
}

beforeAll(async () => {
  cluster = await startLivingCluster({ exporter: true });
  await cluster.ok('create', 'namespace', ns);
  await cluster.ok('create', 'deployment', 'web', '--image=nginx', '--replicas=2', '-n', ns);
  await cluster.ok('create', 'deployment', 'worker', '--image=busybox', '--replicas=1', '-n', ns);
  await cluster.ok(
    'set',
    'resources',
    'deployment',
    'web',
    'worker',
    '-n',
    ns,
    '--limits=cpu=1,memory=256Mi',
  );
  await cluster.ok(
    'annotate',
    'deployment',
    'worker',
    '-n',
    ns,
    `${B}/behaviour=crashloop`,
    `${B}/crash-after=30s`,
  );
  await waitFor(
    '3 pods running with limits',
    async () => {
      const live = (await pods()).filter((p) => !p.metadata.deletionTimestamp);
      return live.length === 3 && live.every((p) => p.status.phase === 'Running');
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  const history = await cluster.simulator.history(HISTORY_SECONDS, 15);
  const exporter = cluster.simulator.exporter;
  if (!exporter) throw new Error('no exporter');
  prometheus = await startScrapingPrometheus(
    { targets: [new URL(exporter.url).host], intervalSeconds: 1 },
    history,
  );
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  await cluster?.stop();
});

describe.skipIf(!prometheusAvailable())('history backfilled from the simulator, continued live', () => {
  it('gives the crash-looping pod its past restarts, in the API and in Prometheus alike', async () => {
    const worker = await waitFor('the backdated restart count in the pod status', async () => {
      const p = (await pods()).find(
        (x) => x.metadata.name.startsWith('worker-') && !x.metadata.deletionTimestamp,
      );
      return p && (p.status.containerStatuses?.[0]?.restartCount ?? 0) >= 5 && p;
    });
    const name = worker.metadata.name;
    const agreed = await waitFor('Prometheus restarts equal to restartCount', async () => {
      const [s] = await query(`kube_pod_container_status_restarts_total{namespace="${ns}",pod="${name}"}`);
      const [p] = (await pods()).filter((x) => x.metadata.name === name);
      const n = p?.status.containerStatuses?.[0]?.restartCount;
      return s && n !== undefined && Number(s.value[1]) === n && n;
    });
    // Twenty minutes of a 30 s crash loop with the kubelet's back-off: several restarts, never a reset.
    expect(agreed).toBeGreaterThanOrEqual(5);
    const [resets] = await query(
      `resets(kube_pod_container_status_restarts_total{namespace="${ns}",pod="${name}"}[30m])`,
    );
    expect(Number(resets?.value[1])).toBe(0);
    const [tenMinutesAgo] = await query(
      `kube_pod_container_status_restarts_total{namespace="${ns}",pod="${name}"}`,
      Date.now() / 1000 - 600,
    );
    expect(Number(tenMinutesAgo?.value[1])).toBeGreaterThan(0);
    expect(Number(tenMinutesAgo?.value[1])).toBeLessThan(agreed);
  });

  it('continues the CPU counters of healthy pods across the seam without a reset', async () => {
    await waitFor('a few live scrapes', async () => (await query('up{job="sandbox-cluster"}')).length === 1);
    const resets = await waitFor(
      'two minutes of live data are not needed: resets over the whole range',
      async () => {
        const r = await query(
          `resets(container_cpu_usage_seconds_total{namespace="${ns}",container="nginx"}[30m])`,
        );
        return r.length === 2 && r;
      },
    );
    for (const r of resets) expect(Number(r.value[1])).toBe(0);
  });

  it('lets the engine build complete 45-feature vectors for the healthy pods from the first cycle', async () => {
    const client = new PrometheusClient({ url: prometheus.url, timeoutMs: 10_000, maxConcurrency: 4 });
    const cycle = await new FeatureVectorBuilder(client, { stepSeconds: 15 }).build(
      { namespaces: [ns] },
      Date.now() - 5_000,
    );
    expect(cycle.status).toBe('ok');
    if (cycle.status !== 'ok') return;
    const live = (await pods())
      .filter((p) => !p.metadata.deletionTimestamp)
      .map((p) => p.metadata.name)
      .sort();
    expect(cycle.vectors.map((v) => v.pod).sort()).toEqual(live);
    for (const v of cycle.vectors.filter((x) => x.pod.startsWith('web-'))) {
      expect({ pod: v.pod, missing: v.missing }).toEqual({ pod: v.pod, missing: [] });
    }
    // A container waiting out its back-off has no cgroup, so cAdvisor has no series for it at that instant: as in
    // a real cluster, only CPU features can be missing for the crash-looping pod, never its restart counter.
    const crashing = cycle.vectors.find((x) => x.pod.startsWith('worker-'));
    expect(
      crashing?.missing.every((f) => f.startsWith('pod_cpu_usage') || f.startsWith('pod_memory_usage')),
    ).toBe(true);
    const worker = cycle.vectors.find((v) => v.pod.startsWith('worker-'));
    // Feature 36 is container_restart_count.value: the restarts the pod has now.
    expect(worker?.features.length).toBe(45);
    expect(worker?.features.at(36)).toMatchObject({ ok: true });
    const value = worker?.features.at(36);
    expect(value?.ok && value.value).toBeGreaterThanOrEqual(5);
  });
});
