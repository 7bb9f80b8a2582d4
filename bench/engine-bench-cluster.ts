/**
 * The cluster of `npm run bench:engine`: the sandbox with N pods in N/5 Deployments, spread over namespaces, run by
 * the simulator (Deployment and ReplicaSet controllers, scheduler, kubelets), which is stopped once every pod runs:
 * during the measurement every request the sandbox receives is the engine's. Then a Prometheus backfilled with
 * promtool for exactly those pods and nodes, from 13 minutes before now to past the end of the run.
 */
import pino from 'pino';
import { generateCluster, type PlannedPod } from '../src/demo/cluster-metrics.js';
import { type BackfilledPrometheus, startBackfilledPrometheus } from '../src/demo/prometheus-launcher.js';
import type { KubeRest } from '../src/kube/rest-client.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import { mapLimit } from '../src/simulator/map-limit.js';
import { startSimulator } from '../src/simulator/simulator.js';
import { waitFor } from '../test/support/wait-for.js';
import { deployment } from './sandbox-workload.js';

export const PODS_PER_WORKLOAD = 5;
/** 100 pods per node, as in bench:simulator (the simulator's nodes take up to 110). */
const PODS_PER_NODE = 100;
/** Statistics window (5m) + rate window (5m) + up to a step to the evaluation instant, + slack. */
const HISTORY_BEFORE_NOW_MS = 13 * 60_000;

export interface BenchCluster {
  namespaces: string[];
  pods: PlannedPod[];
  nodes: string[];
  /** Seconds to create the workloads and see every pod run. */
  runningSeconds: number;
}

interface PodView {
  metadata: { name: string; namespace?: string };
  spec?: { nodeName?: string; containers?: Array<{ name: string }> };
  status?: { phase?: string };
}

const log = (message: string) =>
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);

/** Creates the workloads, lets the simulator run every pod, stops the simulator, returns the pods as they run. */
export async function populate(
  sandbox: Sandbox,
  rest: KubeRest,
  podCount: number,
  namespaceCount: number,
): Promise<BenchCluster> {
  const started = Date.now();
  const workloads = Math.ceil(podCount / PODS_PER_WORKLOAD);
  const namespaces = Array.from({ length: namespaceCount }, (_, i) => `bench-${i}`);
  const simulator = await startSimulator({
    kubeConfig: sandbox.kubeConfig(),
    // Big enough that the pods' requests (250m CPU, 256Mi) never limit placement: only the pod count does.
    nodes: { count: Math.ceil(podCount / PODS_PER_NODE), maxPods: 110, cores: 32, memoryBytes: 64 * 2 ** 30 },
    events: false,
    logger: pino({ level: 'warn' }),
  });
  try {
    for (const name of namespaces)
      await rest.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name } } });
    await mapLimit(
      Array.from({ length: workloads }, (_, i) => i),
      8,
      async (i) => {
        const namespace = namespaces[i % namespaces.length] as string;
        const app = `app-${String(i).padStart(5, '0')}`;
        await rest.request({
          method: 'POST',
          path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
          body: deployment(namespace, app, PODS_PER_WORKLOAD),
          timeoutMs: 120_000,
        });
      },
    );
    log(`${workloads} Deployments created; waiting for ${workloads * PODS_PER_WORKLOAD} pods to run`);
    let lastLog = Date.now();
    await waitFor(
      'every pod Running',
      () => {
        const running = runningPods(sandbox).length;
        if (Date.now() - lastLog > 30_000) {
          lastLog = Date.now();
          log(`${running} pods running`);
        }
        return running >= workloads * PODS_PER_WORKLOAD;
      },
      { timeoutMs: 60 * 60_000, intervalMs: 2_000 },
    );
  } finally {
    await simulator.stop();
  }
  const pods = runningPods(sandbox).map(
    (p): PlannedPod => ({
      namespace: p.metadata.namespace ?? '',
      name: p.metadata.name,
      node: p.spec?.nodeName ?? '',
      containers: (p.spec?.containers ?? []).map((c) => c.name),
    }),
  );
  const nodes = [...new Set(pods.map((p) => p.node))].sort();
  return { namespaces, pods, nodes, runningSeconds: (Date.now() - started) / 1000 };
}

function runningPods(sandbox: Sandbox): PodView[] {
  return (sandbox.store.scan('pods') as unknown as PodView[]).filter(
    (p) => p.status?.phase === 'Running' && p.spec?.nodeName,
  );
}

/** A Prometheus with history for every pod and node of the cluster, up to `untilMs` (the end of the run). */
export async function backfilledPrometheus(
  cluster: BenchCluster,
  untilMs: number,
): Promise<BackfilledPrometheus> {
  const now = Date.now();
  const dataset = generateCluster({
    seed: 2024,
    nodeCount: cluster.nodes.length,
    nodeNames: cluster.nodes,
    podCount: cluster.pods.length,
    pods: cluster.pods,
    namespaces: cluster.namespaces,
    endMs: untilMs,
    historySeconds: Math.ceil((untilMs - now + HISTORY_BEFORE_NOW_MS) / 1000),
    scenarios: false,
    labelDetail: 'lean',
  });
  return startBackfilledPrometheus(dataset);
}
