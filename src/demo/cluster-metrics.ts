/**
 * Deterministic (seeded) synthetic cluster history with the metric names and label sets of the real exporters:
 * node-exporter (`node_*`, node name in `instance`, plus the exporter pod's own `namespace`/`pod`), cAdvisor via
 * the kubelet (`container_*`, including the pod-level series with `container=""`) and kube-state-metrics
 * (`kube_*`). The raw samples are kept so tests can compute the expected features independently of PromQL.
 *
 * Sample timestamps carry a per-target scrape offset that is never a multiple of 30 s, so no sample ever sits
 * exactly on a window boundary (evaluation instants are aligned to the minute). Boundary inclusivity rules, which
 * differ between Prometheus versions, therefore cannot change any expected value.
 */
import { seededRandom } from '../random/seeded-random.js';
import type { SampleSeries } from '../simulator/sample-series.js';

export type { SampleSeries } from '../simulator/sample-series.js';

export interface ClusterPod {
  readonly namespace: string;
  readonly name: string;
  readonly node: string;
  readonly containers: readonly string[];
}

/** A pod the caller names itself (the demo's, matching the objects in its sandbox). */
export interface PlannedPod extends ClusterPod {
  /** Restart counter of its `app` container rises every minute and its CPU runs near the 2-core limit. */
  readonly misbehaving?: boolean;
}

export interface PodKey {
  readonly namespace: string;
  readonly name: string;
}

export interface ClusterSpec {
  readonly seed?: number;
  readonly nodeCount: number;
  /** Node names to use instead of the `nodeCount` numbered ones. */
  readonly nodeNames?: readonly string[];
  /** Ordinary pods, spread round-robin over `namespaces`; the scenario pods come on top. */
  readonly podCount: number;
  /** Pods to use instead of the `podCount` numbered ones; each must sit on one of the nodes. */
  readonly pods?: readonly PlannedPod[];
  readonly namespaces: readonly string[];
  /** End of the history (ms). Keep it near "now". */
  readonly endMs: number;
  readonly historySeconds?: number;
  readonly scrapeIntervalSeconds?: number;
  /** Add the edge-case pods (counter reset, no memory limit, no cAdvisor data, fresh pod, node without exporter). */
  readonly scenarios?: boolean;
  /** 'full' adds the extra labels real exporters carry (image, id, uid, ips); 'lean' keeps the bench file small. */
  readonly labelDetail?: 'full' | 'lean';
}

export interface ClusterScenarios {
  /** cAdvisor CPU counter of one container drops to near zero (container restart) inside the 5m window. */
  readonly counterReset: PodKey;
  /** No `kube_pod_container_resource_limits{resource="memory"}` series: pod_memory_usage must be missing. */
  readonly noMemoryLimit: PodKey;
  /** In kube_pod_info but without any cAdvisor series: pod CPU and memory must be missing. */
  readonly noCadvisor: PodKey;
  /** Started 3.5 minutes before the end: lag_5 must be missing, window statistics use what exists. */
  readonly recentlyStarted: PodKey;
  /** Scheduled on a node that has no node-exporter series: node signals must be missing. */
  readonly unexportedNode: PodKey;
}

export interface ClusterDataset {
  readonly startMs: number;
  readonly endMs: number;
  readonly nodes: readonly string[];
  readonly pods: readonly ClusterPod[];
  readonly series: readonly SampleSeries[];
  readonly scenarios: ClusterScenarios | undefined;
}

const MI = 1024 * 1024;
const GI = 1024 * MI;

/** A bounded random walk, reproducible from `rand`. */
function walk(
  rand: () => number,
  n: number,
  start: number,
  lo: number,
  hi: number,
  stepSize: number,
): number[] {
  const out: number[] = [];
  let x = start;
  for (let i = 0; i < n; i++) {
    x = Math.min(hi, Math.max(lo, x + (rand() - 0.5) * 2 * stepSize));
    out.push(x);
  }
  return out;
}

/** Rounds to 3 decimals so the OpenMetrics text stays short; the rounded value is what tests see. */
function r3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function generateCluster(spec: ClusterSpec): ClusterDataset {
  const rand = seededRandom(spec.seed ?? 42);
  const interval = (spec.scrapeIntervalSeconds ?? 30) * 1000;
  const history = (spec.historySeconds ?? 20 * 60) * 1000;
  const endMs = spec.endMs;
  const startMs = endMs - history;
  const full = (spec.labelDetail ?? 'full') === 'full';
  const series: SampleSeries[] = [];

  // One scrape grid per target. Offsets are in (1 s, 29 s) and have a millisecond part, never a multiple of 30 s.
  const grid = (): number[] => {
    const offset = 1000 + Math.floor(rand() * 27_000) + 1 + Math.floor(rand() * 998);
    const base = Math.floor(startMs / interval) * interval;
    const times: number[] = [];
    for (let t = base + offset; t <= endMs; t += interval) if (t >= startMs) times.push(t);
    return times;
  };

  const nodes = spec.nodeNames
    ? [...spec.nodeNames]
    : Array.from({ length: spec.nodeCount }, (_, i) => `node-${String(i).padStart(3, '0')}`);
  const kubeletGrid = new Map<string, number[]>();
  for (const node of nodes) {
    const times = grid();
    const n = times.length;
    const cpus = 2 + Math.floor(rand() * 3);
    const exporterLabels = {
      instance: node,
      job: 'node-exporter',
      namespace: 'monitoring',
      pod: `node-exporter-${node}`,
    };
    for (let cpu = 0; cpu < cpus; cpu++) {
      const idleFrac = walk(rand, n, 0.3 + rand() * 0.6, 0.05, 0.98, 0.08);
      const counters: Record<'idle' | 'user' | 'system', number[]> = { idle: [], user: [], system: [] };
      let idle = 100_000 + rand() * 50_000;
      let user = 20_000 + rand() * 10_000;
      let system = 5_000 + rand() * 5_000;
      for (let i = 0; i < n; i++) {
        const f = idleFrac[i] ?? 0.5;
        idle = r3(idle + (interval / 1000) * f);
        user = r3(user + (interval / 1000) * (1 - f) * 0.7);
        system = r3(system + (interval / 1000) * (1 - f) * 0.3);
        counters.idle.push(idle);
        counters.user.push(user);
        counters.system.push(system);
      }
      for (const mode of ['idle', 'user', 'system'] as const) {
        series.push({
          name: 'node_cpu_seconds_total',
          labels: { ...exporterLabels, cpu: String(cpu), mode },
          times,
          values: counters[mode],
        });
      }
    }
    const total = (8 + Math.floor(rand() * 4) * 8) * GI;
    series.push({
      name: 'node_memory_MemTotal_bytes',
      labels: exporterLabels,
      times,
      values: times.map(() => total),
    });
    series.push({
      name: 'node_memory_MemAvailable_bytes',
      labels: exporterLabels,
      times,
      values: walk(rand, n, total * (0.2 + rand() * 0.6), total * 0.02, total * 0.95, total * 0.03).map(
        Math.round,
      ),
    });
    kubeletGrid.set(node, grid());
  }
  const unexportedNode = 'node-unexported';
  kubeletGrid.set(unexportedNode, grid());
  const ksmTimes = grid();
  const ksmLabels = { job: 'kube-state-metrics', instance: '10.1.0.5:8080' };

  const pods: ClusterPod[] = [];
  interface PodPlan {
    pod: ClusterPod;
    fromMs: number;
    cadvisor: boolean;
    memoryLimit: boolean;
    resetAtMs?: number;
    misbehaving?: boolean;
  }
  const plans: PodPlan[] = [];
  const containerSets = [['app'], ['app', 'sidecar']];
  for (const pod of spec.pods ?? []) {
    const { misbehaving, ...rest } = pod;
    plans.push({
      pod: rest,
      fromMs: startMs,
      cadvisor: true,
      memoryLimit: true,
      misbehaving: misbehaving === true,
    });
  }
  for (let i = 0; i < (spec.pods ? 0 : spec.podCount); i++) {
    const namespace = spec.namespaces[i % spec.namespaces.length] ?? 'default';
    const node = nodes[Math.floor(rand() * nodes.length)] ?? 'node-000';
    const containers = containerSets[full && rand() < 0.3 ? 1 : 0] ?? ['app'];
    plans.push({
      pod: { namespace, name: `app-${String(i).padStart(5, '0')}`, node, containers },
      fromMs: startMs,
      cadvisor: true,
      memoryLimit: true,
    });
  }
  let scenarios: ClusterScenarios | undefined;
  if (spec.scenarios ?? true) {
    const ns = spec.namespaces[0] ?? 'default';
    const node0 = nodes[0] ?? 'node-000';
    const add = (name: string, extra: Partial<PodPlan>, node = node0): PodKey => {
      plans.push({
        pod: { namespace: ns, name, node, containers: ['app', 'sidecar'] },
        fromMs: startMs,
        cadvisor: true,
        memoryLimit: true,
        ...extra,
      });
      return { namespace: ns, name };
    };
    scenarios = {
      counterReset: add('cpu-reset', { resetAtMs: endMs - 150_000 }),
      noMemoryLimit: add('no-memory-limit', { memoryLimit: false }),
      noCadvisor: add('no-cadvisor', { cadvisor: false }),
      recentlyStarted: add('fresh', { fromMs: endMs - 210_000 }),
      unexportedNode: add('on-unexported-node', {}, unexportedNode),
    };
  }

  for (const plan of plans) {
    const { pod } = plan;
    pods.push(pod);
    const uid = `uid-${pod.namespace}-${pod.name}`;
    const kubelet = (kubeletGrid.get(pod.node) ?? []).filter((t) => t >= plan.fromMs);
    const ksm = ksmTimes.filter((t) => t >= plan.fromMs);
    const n = kubelet.length;
    const podLabels = { namespace: pod.namespace, pod: pod.name };
    const cadvisorLabels = (container: string) => ({
      ...podLabels,
      container,
      instance: pod.node,
      job: 'kubelet',
      metrics_path: '/metrics/cadvisor',
      ...(full
        ? { id: `/kubepods/pod${uid}/${container}`, image: container ? `registry/${container}:1` : '' }
        : {}),
    });
    const ksmPodLabels = { ...ksmLabels, ...podLabels, ...(full ? { uid } : {}) };

    series.push({
      name: 'kube_pod_info',
      labels: {
        ...ksmPodLabels,
        node: pod.node,
        created_by_kind: 'ReplicaSet',
        ...(full ? { host_ip: '10.0.0.1', pod_ip: '10.2.0.1' } : {}),
      },
      times: ksm,
      values: ksm.map(() => 1),
    });

    const cpuSum = new Array<number>(n).fill(0);
    const memSum = new Array<number>(n).fill(0);
    for (const container of pod.containers) {
      const hot = plan.misbehaving === true && container === 'app';
      // Same number of rand() calls either way, so adding a misbehaving pod does not reshuffle the others.
      const usage = hot
        ? walk(rand, n, 1.8 + rand() * 0.1, 1.6, 1.98, 0.05)
        : walk(rand, n, 0.05 + rand() * 1.5, 0.001, 4, 0.15);
      let counter = r3(rand() * 5_000);
      const cpu: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = kubelet[i] ?? 0;
        const prev = kubelet[i - 1];
        if (
          plan.resetAtMs !== undefined &&
          container === 'app' &&
          prev !== undefined &&
          prev < plan.resetAtMs &&
          t >= plan.resetAtMs
        ) {
          counter = r3(rand() * 3); // the restarted container's cgroup starts from zero
        } else {
          counter = r3(counter + (interval / 1000) * (usage[i] ?? 0));
        }
        cpu.push(counter);
        cpuSum[i] = r3((cpuSum[i] ?? 0) + counter);
      }
      const limit = (128 + Math.floor(rand() * 8) * 128) * MI;
      const mem = walk(rand, n, limit * (0.2 + rand() * 0.6), limit * 0.05, limit * 1.02, limit * 0.04).map(
        Math.round,
      );
      mem.forEach((v, i) => {
        memSum[i] = (memSum[i] ?? 0) + v;
      });
      if (plan.cadvisor) {
        series.push({
          name: 'container_cpu_usage_seconds_total',
          labels: cadvisorLabels(container),
          times: kubelet,
          values: cpu,
        });
        series.push({
          name: 'container_memory_working_set_bytes',
          labels: cadvisorLabels(container),
          times: kubelet,
          values: mem,
        });
      }
      const ksmContainer = { ...ksmPodLabels, container, node: pod.node };
      if (plan.memoryLimit) {
        series.push({
          name: 'kube_pod_container_resource_limits',
          labels: { ...ksmContainer, resource: 'memory', unit: 'byte' },
          times: ksm,
          values: ksm.map(() => limit),
        });
      }
      series.push({
        name: 'kube_pod_container_resource_limits',
        labels: { ...ksmContainer, resource: 'cpu', unit: 'core' },
        times: ksm,
        values: ksm.map(() => 2),
      });
      let restarts = Math.floor(rand() * 3);
      const restartValues = ksm.map((t, i) => {
        const prev = ksm[i - 1];
        const resetHere =
          plan.resetAtMs !== undefined &&
          container === 'app' &&
          prev !== undefined &&
          prev < plan.resetAtMs &&
          t >= plan.resetAtMs;
        const crashLoop = hot && i > 0 && i % 2 === 0;
        if (resetHere || rand() < 0.004 || crashLoop) restarts += 1;
        return restarts;
      });
      series.push({
        name: 'kube_pod_container_status_restarts_total',
        labels: { ...ksmPodLabels, container },
        times: ksm,
        values: restartValues,
      });
    }
    if (plan.cadvisor) {
      // The pod-level cgroup series (container=""): real cAdvisor exports it, and counting it would double a pod.
      series.push({
        name: 'container_cpu_usage_seconds_total',
        labels: cadvisorLabels(''),
        times: kubelet,
        values: cpuSum,
      });
      series.push({
        name: 'container_memory_working_set_bytes',
        labels: cadvisorLabels(''),
        times: kubelet,
        values: memSum,
      });
    }
  }
  return { startMs, endMs, nodes: [...nodes, unexportedNode], pods, series, scenarios };
}
