import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockMlServer, startMockMlServer } from '../../mock-ml-server/src/server.js';
import {
  prometheusAvailable,
  type RunningPrometheus,
  startScrapingPrometheus,
} from '../../src/demo/prometheus-launcher.js';
import { CANARY_NAMESPACE, CANARY_POD } from '../../src/ml/readiness-canary.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import type { Simulator } from '../../src/simulator/simulator.js';
import { testPolicy } from '../support/policy-fixtures.js';
import { waitFor } from '../support/wait-for.js';
import { type EngineProcess, type sandboxWithCrd, startEngineProcess } from './engine-harness.js';
import { startLivingCluster, stopLivingCluster } from './living-cluster.js';
import { appDeployment } from './workload-fixtures.js';

/**
 * The ML budget of prediction: the engine asks the prediction endpoint only about candidate pods (memory high and
 * climbing, or restarting), never about every pod it watches, while anomaly detection still scores every pod. And
 * with predictions failing, nothing is judged at risk: the policy says so (Degraded, MLServiceUnavailable) and no
 * action is taken for the leaking pod.
 */
let env: Awaited<ReturnType<typeof sandboxWithCrd>>;
let sandbox: Sandbox;
let simulator: Simulator;
let prometheus: RunningPrometheus;
let engine: EngineProcess;
let ml: MockMlServer;

const NS = 'budget';
const POLICY = 'ml-budget';
const HEALTHY_REPLICAS = 6;
const PODS = HEALTHY_REPLICAS + 1;
const PREDICT = '/api/v1/prediction/predict';
const REMEDIATIONS = 'remediations.coordination-engine.io';

interface PolicyStatus {
  lastEvaluationTime?: string;
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
}
interface RecordView {
  spec?: { targetRef?: { name?: string } };
  status?: { decision?: { prediction?: unknown[] }; actions?: Array<{ action: string; result: string }> };
}
const status = () =>
  sandbox.getObject('coordination-engine.io', 'remediationpolicies', NS, POLICY)?.status as
    | PolicyStatus
    | undefined;
const records = () => sandbox.store.list(REMEDIATIONS, NS) as unknown as RecordView[];
const running = () =>
  sandbox.store
    .list('pods', NS)
    .filter((p) => (p.status as { phase?: string } | undefined)?.phase === 'Running');

/** Waits until the policy has been evaluated `n` more times; returns how many evaluations were seen. */
async function evaluations(n: number, timeoutMs: number): Promise<number> {
  const seen = new Set<string>();
  const first = status()?.lastEvaluationTime;
  await waitFor(
    `${n} more evaluations of ${POLICY}`,
    () => {
      const t = status()?.lastEvaluationTime;
      if (t && t !== first) seen.add(t);
      return seen.size >= n;
    },
    { timeoutMs, intervalMs: 100 },
  );
  return seen.size;
}

/** Anomaly scoring calls about the policy's pods, counted by context: the engine's readiness canary uses the same endpoint. */
const scored = () =>
  Object.entries(ml.counts().anomalyContexts)
    .filter(([context]) => context !== `${CANARY_NAMESPACE}/${CANARY_POD}`)
    .reduce((n, [, calls]) => n + calls, 0);

function diagnostics(): string {
  return `\nstatus: ${JSON.stringify(status(), null, 1)}\nrecords: ${JSON.stringify(records(), null, 1)}\nml: ${JSON.stringify(ml.counts().byPath)}\nengine: ${engine.proc
    .output()
    .split('\n')
    .filter((l) => /remediation|predict|warn|error/i.test(l))
    .slice(-30)
    .join('\n')}`;
}

beforeAll(async () => {
  let cluster: Awaited<ReturnType<typeof startLivingCluster>>;
  [ml, cluster] = await Promise.all([
    startMockMlServer({ port: 0, faults: { failEvery: 1, failStatus: 503, paths: [PREDICT] } }),
    startLivingCluster(NS),
  ]);
  ({ env, sandbox, simulator } = cluster);
  const { post } = cluster;
  // Healthy pods sit at 40% of their memory limit: never a prediction candidate.
  await post(
    `/apis/apps/v1/namespaces/${NS}/deployments`,
    appDeployment({ name: 'web', imagePrefix: NS, replicas: HEALTHY_REPLICAS, labels: { tier: 'app' } }),
  );
  // As in remediation-predicts: with 10 minutes of history the pod is at ~58% of its limit and climbing.
  await post(
    `/apis/apps/v1/namespaces/${NS}/deployments`,
    appDeployment({
      name: 'cache',
      imagePrefix: NS,
      replicas: 1,
      labels: { tier: 'app' },
      annotations: {
        'sandbox.coordination-engine.io/behaviour': 'memory-leak',
        'sandbox.coordination-engine.io/leak-rate': '61Ki',
        'sandbox.coordination-engine.io/memory-baseline': '0.3',
        'sandbox.coordination-engine.io/recovers-after': 'restart',
      },
    }),
  );
  await waitFor(`${PODS} pods Running`, () => running().length === PODS, { timeoutMs: 30_000 });
  const history = await simulator.history(10 * 60, 15);
  prometheus = await startScrapingPrometheus(
    { targets: [new URL(simulator.exporter?.url ?? '').host], intervalSeconds: 5 },
    history,
  );
  const policy = testPolicy(POLICY)
    .inNamespace(NS)
    .targeting({ tier: 'app' })
    .withMode('ML')
    .withoutRules()
    .withMl({ endpoints: ['anomaly', 'prediction'], prediction: { horizon: '30m', minConfidence: 0.6 } })
    .withActions({ name: 'restart', type: 'RestartPod', verificationWindow: '10s' })
    .withSafety({ dryRun: true })
    .withSpecField('evaluationInterval', '10s')
    .build();
  sandbox.create('coordination-engine.io', 'v1alpha1', 'remediationpolicies', policy as never);
  engine = await startEngineProcess(`${env.dir}/kubeconfig`, 'ml-budget', [
    '--prometheus-url',
    prometheus.url,
    '--ml-service-url',
    ml.url,
  ]);
}, 120_000);

afterAll(async () => {
  await stopLivingCluster({ engine, prometheus, simulator, ml, env });
});

describe.skipIf(!prometheusAvailable())('ML call budget', () => {
  it('judges nothing at risk while predictions fail, then asks only about candidates', async () => {
    try {
      // Predictions fail from the start (anomaly detection works): the candidate cannot be judged at risk.
      const degraded = await waitFor(
        'Degraded=True MLServiceUnavailable',
        () => {
          const c = status()?.conditions?.find((x) => x.type === 'Degraded');
          return c?.status === 'True' && c.message?.includes('ML predictions unavailable') ? c : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      expect(degraded?.reason).toBe('MLServiceUnavailable');
      expect(degraded?.message).toContain('no target is judged at risk');
      await evaluations(2, 30_000);
      // The engine did ask about the candidate, and got no usable answer: nothing was recorded or done.
      expect(ml.counts().byPath[PREDICT] ?? 0).toBeGreaterThanOrEqual(1);
      expect(records()).toEqual([]);

      // Predictions answer again: the leaking pod is judged at risk on the prediction alone (no rules, and its
      // anomaly score is below the policy's minConfidence), a dry-run record for it.
      ml.faults.set({});
      ml.resetCounts();
      const firstEvaluation = status()?.lastEvaluationTime;
      const evaluated = new Set<string>();
      let scoredBefore = 0;
      let evaluatedBefore = 0;
      const watch = setInterval(() => {
        const t = status()?.lastEvaluationTime;
        if (t && t !== firstEvaluation) evaluated.add(t);
      }, 100);
      try {
        const record = await waitFor(
          'a record of the leaking pod judged at risk',
          () => records().find((r) => (r.status?.decision?.prediction?.length ?? 0) > 0),
          { timeoutMs: 60_000, intervalMs: 200 },
        );
        expect(record?.spec?.targetRef?.name).toBe('cache');
        // The failures opened the breaker, which stays open (no anomaly calls either) until its half-open probe:
        // the record proves it closed, so the anomaly budget is counted over the evaluations after it.
        scoredBefore = scored();
        evaluatedBefore = evaluated.size;
        await waitFor('3 evaluations since the record', () => evaluated.size >= evaluatedBefore + 3, {
          timeoutMs: 45_000,
          intervalMs: 100,
        });
      } finally {
        clearInterval(watch);
      }
      const counts = ml.counts().byPath;
      const seen = evaluated.size;
      const predictions = counts[PREDICT] ?? 0;
      // One candidate: at most one prediction per evaluation (+1 for a cycle in flight at either end). Asking
      // about every pod would be PODS per evaluation.
      expect(predictions).toBeGreaterThanOrEqual(1);
      expect(predictions).toBeLessThanOrEqual(seen + 1);
      // Anomaly detection still scores every pod, one REST call per pod (less a cycle in flight at the snapshot).
      const seenSince = seen - evaluatedBefore;
      expect(scored() - scoredBefore).toBeGreaterThanOrEqual(PODS * (seenSince - 1));
    } catch (error) {
      throw new Error(`${String(error)}${diagnostics()}`);
    }
  }, 150_000);
});
