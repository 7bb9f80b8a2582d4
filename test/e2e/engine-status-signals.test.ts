import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  prometheusAvailable,
  type RunningPrometheus,
  startScrapingPrometheus,
} from '../../src/demo/prometheus-launcher.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { type Simulator, startSimulator } from '../../src/simulator/simulator.js';
import { testPolicy } from '../support/policy-fixtures.js';
import { waitFor } from '../support/wait-for.js';
import {
  type EngineProcess,
  type PolicyStatusView,
  policyStatus,
  sandboxWithCrd,
  startEngineProcess,
  stopProcess,
} from './engine-harness.js';

/**
 * A real crash loop backs off up to five minutes, so its restart counter is quiet most minutes and its container
 * often has no metrics at all. A status-signal rule (CrashLoopBackOff, kept firing between restarts) judges it
 * from the pod's status: the engine, on a living cluster, calls the workload anomalous on every evaluation.
 */
let env: Awaited<ReturnType<typeof sandboxWithCrd>>;
let sandbox: Sandbox;
let simulator: Simulator;
let prometheus: RunningPrometheus;
let engine: EngineProcess;

type Status = PolicyStatusView & { targets?: { total: number; anomalous: number; insufficientData: number } };
const status = (name: string) => policyStatus(sandbox, 'shop', name) as Status | undefined;

beforeAll(async () => {
  env = await sandboxWithCrd();
  sandbox = env.sandbox;
  simulator = await startSimulator({ kubeConfig: sandbox.kubeConfig(), exporterPort: 0 });
  const post = (path: string, body: object) => env.rest.request({ method: 'POST', path, body });
  await post('/api/v1/namespaces', { metadata: { name: 'shop' } });
  await post('/apis/apps/v1/namespaces/shop/deployments', {
    metadata: {
      name: 'worker',
      labels: { app: 'worker' },
      annotations: {
        'sandbox.coordination-engine.io/behaviour': 'crashloop',
        'sandbox.coordination-engine.io/recovers-after': 'never',
      },
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'worker' } },
      template: {
        metadata: { labels: { app: 'worker' } },
        spec: {
          containers: [
            { name: 'app', image: 'shop/worker:1', resources: { limits: { cpu: '500m', memory: '128Mi' } } },
          ],
        },
      },
    },
  });
  // The crash loop is established (the pod waits in CrashLoopBackOff) before the engine looks: its very first
  // evaluation must already see it, and keepFiringFor carries it across the runs between back-offs.
  await waitFor(
    'the worker pod in CrashLoopBackOff',
    () =>
      sandbox.store
        .list('pods', 'shop')
        .some((p) =>
          (
            (p.status as { containerStatuses?: Array<{ state?: { waiting?: { reason?: string } } }> })
              ?.containerStatuses ?? []
          ).some((c) => c.state?.waiting?.reason === 'CrashLoopBackOff'),
        ),
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  // Twenty minutes of crash loop behind it: the kubelet's back-off is at its 5-minute maximum.
  const history = await simulator.history(20 * 60, 15);
  prometheus = await startScrapingPrometheus(
    { targets: [new URL(simulator.exporter?.url ?? '').host], intervalSeconds: 5 },
    history,
  );
  const crashing = testPolicy('crash-signal')
    .inNamespace('shop')
    .targeting({ app: 'worker' })
    .withRule({
      name: 'crashing',
      signal: 'CrashLoopBackOff',
      operator: '==',
      value: 1,
      for: '0s',
      keepFiringFor: '6m',
    })
    .withSpecField('evaluationInterval', '10s')
    .build();
  sandbox.create('coordination-engine.io', 'v1alpha1', 'remediationpolicies', crashing as never);
  engine = await startEngineProcess(`${env.dir}/kubeconfig`, 'signals', ['--prometheus-url', prometheus.url]);
}, 120_000);

afterAll(async () => {
  await stopProcess(engine);
  await Promise.all([prometheus?.stop(), simulator?.stop()]);
  await env?.cleanup();
});

describe.skipIf(!prometheusAvailable())('status-signal rules on a living crash loop', () => {
  it('calls the crash-looping Deployment anomalous on every evaluation, metrics or not', async () => {
    const seen: string[] = [];
    const anomalous: boolean[] = [];
    await waitFor(
      'five evaluations',
      () => {
        const s = status('crash-signal');
        const at = s?.lastEvaluationTime;
        if (at && !seen.includes(at) && s?.targets) {
          seen.push(at);
          anomalous.push(s.targets.anomalous === 1);
        }
        return seen.length >= 5;
      },
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    expect(anomalous).toEqual([true, true, true, true, true]);
    const events = sandbox.store
      .list('events', 'shop')
      .filter((e) => e.reason === 'AnomalyDetected')
      .map((e) => String(e.message));
    expect(events.some((m) => /rule crashing \(signal:CrashLoopBackOff = 1 == 1/.test(m))).toBe(true);
  }, 120_000);
});
