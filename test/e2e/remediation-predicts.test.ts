import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockMlServer, startMockMlServer } from '../../mock-ml-server/src/server.js';
import {
  prometheusAvailable,
  type RunningPrometheus,
  startScrapingPrometheus,
} from '../../src/demo/prometheus-launcher.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import type { Simulator } from '../../src/simulator/simulator.js';
import { testPolicy } from '../support/policy-fixtures.js';
import { waitFor } from '../support/wait-for.js';
import { type EngineProcess, type sandboxWithCrd, startEngineProcess } from './engine-harness.js';
import { startLivingCluster, stopLivingCluster } from './living-cluster.js';
import { appDeployment } from './workload-fixtures.js';

/**
 * Prediction acts before the failure: a Deployment whose pod leaks memory towards its limit is restarted (one pod
 * evicted) because the ML service predicts pod_oom within the policy's horizon, while the pod has not been
 * OOMKilled yet; the Remediation record keeps the prediction it acted on.
 */
let env: Awaited<ReturnType<typeof sandboxWithCrd>>;
let sandbox: Sandbox;
let simulator: Simulator;
let prometheus: RunningPrometheus;
let engine: EngineProcess;
let ml: MockMlServer;

const NS = 'leak';

type PodStatus = { containerStatuses?: Array<{ restartCount?: number }> };
const pods = () => sandbox.store.list('pods', NS);
const uidOf = (p: { metadata?: unknown }) => (p.metadata as { uid?: string } | undefined)?.uid;
const restarts = (p: { status?: unknown }) =>
  ((p.status as PodStatus | undefined)?.containerStatuses ?? []).reduce(
    (n, c) => n + (c.restartCount ?? 0),
    0,
  );

beforeAll(async () => {
  let cluster: Awaited<ReturnType<typeof startLivingCluster>>;
  [ml, cluster] = await Promise.all([startMockMlServer({ port: 0, faults: {} }), startLivingCluster(NS)]);
  ({ env, sandbox, simulator } = cluster);
  const { post } = cluster;
  // 128Mi limit, 30% baseline, 61Ki/s: 25 minutes from start to the OOM kill. With 10 minutes of history the pod
  // is at about 58% of its limit and climbing, about 15 minutes before the kill: well within a 30m horizon.
  await post(
    `/apis/apps/v1/namespaces/${NS}/deployments`,
    appDeployment({
      name: 'cache',
      imagePrefix: NS,
      replicas: 1,
      annotations: {
        'sandbox.coordination-engine.io/behaviour': 'memory-leak',
        'sandbox.coordination-engine.io/leak-rate': '61Ki',
        'sandbox.coordination-engine.io/memory-baseline': '0.3',
        'sandbox.coordination-engine.io/recovers-after': 'restart',
      },
    }),
  );
  await waitFor(
    'the cache pod Running',
    () => pods().some((p) => (p.status as { phase?: string } | undefined)?.phase === 'Running'),
    { timeoutMs: 30_000 },
  );
  const history = await simulator.history(10 * 60, 15);
  prometheus = await startScrapingPrometheus(
    { targets: [new URL(simulator.exporter?.url ?? '').host], intervalSeconds: 5 },
    history,
  );
  const policy = testPolicy('oom-ahead')
    .inNamespace(NS)
    .targeting({ app: 'cache' })
    .withMode('Hybrid')
    // Quiet until a pod is OOMKilled: the only way to act earlier is the prediction.
    .withRule({ name: 'oom-killed', signal: 'OOMKilled', operator: '==', value: 1, for: '0s' })
    .withMl({ endpoints: ['prediction'], prediction: { horizon: '30m', minConfidence: 0.6 } })
    .withActions({ name: 'restart', type: 'RestartPod', verificationWindow: '30s' })
    .withSafety({ dryRun: false })
    .withSpecField('evaluationInterval', '10s')
    .build();
  sandbox.create('coordination-engine.io', 'v1alpha1', 'remediationpolicies', policy as never);
  engine = await startEngineProcess(`${env.dir}/kubeconfig`, 'predictor', [
    '--prometheus-url',
    prometheus.url,
    '--ml-service-url',
    ml.url,
  ]);
}, 120_000);

afterAll(async () => {
  await stopLivingCluster({ engine, prometheus, simulator, ml, env });
});

describe.skipIf(!prometheusAvailable())('prediction', () => {
  it('restarts a leaking pod before it is OOMKilled, and records the prediction', async () => {
    const original = pods()[0];
    const originalUid = original ? uidOf(original) : undefined;
    expect(originalUid).toBeDefined();
    let restartedBeforeEviction = false;
    try {
      await waitFor(
        'the leaking pod evicted and replaced',
        () => {
          const now = pods();
          const still = now.find((p) => uidOf(p) === originalUid);
          if (still && restarts(still) > 0) restartedBeforeEviction = true;
          return !still && now.some((p) => uidOf(p) !== originalUid);
        },
        { timeoutMs: 90_000, intervalMs: 200 },
      );
    } catch (error) {
      throw new Error(
        `${String(error)}\nrecords: ${JSON.stringify(sandbox.store.list('remediations.coordination-engine.io', NS), null, 1)}\npolicy: ${JSON.stringify(sandbox.getObject('coordination-engine.io', 'remediationpolicies', NS, 'oom-ahead')?.status)}\nengine: ${engine.proc
          .output()
          .split('\n')
          .filter((l) => /remediation|predict|warn|error/i.test(l))
          .slice(-30)
          .join('\n')}`,
      );
    }
    // Acted before the failure: the pod never restarted (an OOM kill restarts its container).
    expect(restartedBeforeEviction).toBe(false);
    type Record = {
      status?: {
        decision?: {
          rules?: unknown[];
          prediction?: Array<{ issue: string; probability: number; timeToOccurrenceSeconds: number }>;
        };
        actions?: Array<{ action: string; result: string }>;
      };
    };
    const record = await waitFor(
      'the record of the restart',
      () => {
        const r = sandbox.store.list('remediations.coordination-engine.io', NS)[0] as Record | undefined;
        return r?.status?.actions?.some((a) => a.action === 'RestartPod') ? r : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const prediction = record?.status?.decision?.prediction?.[0];
    expect(prediction?.issue).toBe('pod_oom');
    expect(prediction?.probability).toBeGreaterThanOrEqual(0.6);
    expect(prediction?.timeToOccurrenceSeconds).toBeLessThanOrEqual(30 * 60);
    expect(record?.status?.decision?.rules).toEqual([]);
    expect(record?.status?.actions?.map((a) => `${a.action} ${a.result}`)).toContain('RestartPod Succeeded');
  }, 120_000);
});
