import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockMlServer, startMockMlServer } from '../../mock-ml-server/src/server.js';
import {
  prometheusAvailable,
  type RunningPrometheus,
  startScrapingPrometheus,
} from '../../src/demo/prometheus-launcher.js';
import { FEATURE_NAMES } from '../../src/metrics/feature-catalogue.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import type { Simulator } from '../../src/simulator/simulator.js';
import { testPolicy } from '../support/policy-fixtures.js';
import { waitFor } from '../support/wait-for.js';
import { type EngineProcess, type sandboxWithCrd, startEngineProcess } from './engine-harness.js';
import { startLivingCluster, stopLivingCluster } from './living-cluster.js';
import { appDeployment } from './workload-fixtures.js';

/**
 * Remediation seen as its effect on a living cluster: a crash-looping Deployment is rollout-restarted by the
 * engine (started as a user starts it), its new pods are healthy, and the record of it is where an SRE looks:
 * `kubectl get remediations`, the policy's history, and an Event on the Deployment. The finished episode is also
 * sent to the ML service as a training example (docs/feedback.md).
 */
let env: Awaited<ReturnType<typeof sandboxWithCrd>>;
let sandbox: Sandbox;
let simulator: Simulator;
let prometheus: RunningPrometheus;
let engine: EngineProcess;
let ml: MockMlServer;

const NS = 'heal';
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

const deployment = (name: string, annotations: Record<string, string>, replicas = 2) =>
  appDeployment({ name, imagePrefix: NS, annotations, replicas });

const kubectl = (...args: string[]) =>
  promisify(execFile)('kubectl', ['--kubeconfig', join(env.dir, 'kubeconfig'), ...args]).then(
    (r) => r.stdout,
  );

const template = (name: string) =>
  (
    sandbox.getObject('apps', 'deployments', NS, name)?.spec as
      | { template: { metadata: { annotations?: Record<string, string> } } }
      | undefined
  )?.template.metadata;

beforeAll(async () => {
  const cluster = await startLivingCluster(NS);
  ({ env, sandbox, simulator } = cluster);
  const { post } = cluster;
  await post(
    `/apis/apps/v1/namespaces/${NS}/deployments`,
    deployment('api', {
      'sandbox.coordination-engine.io/behaviour': 'crashloop',
      'sandbox.coordination-engine.io/recovers-after': 'rollout-restart',
      'sandbox.coordination-engine.io/crash-after': '3s',
    }),
  );
  prometheus = await startScrapingPrometheus(
    { targets: [new URL(simulator.exporter?.url ?? '').host], intervalSeconds: 5 },
    await simulator.history(10 * 60, 15),
  );
  const policy = testPolicy('crashloop')
    .inNamespace(NS)
    .targeting({ app: 'api' })
    .withRule({ name: 'crashing', signal: 'CrashLoopBackOff', operator: '==', value: 1, for: '0s' })
    .withActions({ name: 'roll', type: 'RolloutRestart', verificationWindow: '30s' })
    .withSafety({ dryRun: false })
    .withSpecField('evaluationInterval', '10s')
    .build();
  sandbox.create('coordination-engine.io', 'v1alpha1', 'remediationpolicies', policy as never);
  ml = await startMockMlServer({ port: 0, faults: {} });
  engine = await startEngineProcess(`${env.dir}/kubeconfig`, 'healer', [
    '--prometheus-url',
    prometheus.url,
    '--ml-service-url',
    ml.url,
  ]);
}, 120_000);

afterAll(async () => {
  await stopLivingCluster({ engine, prometheus, simulator, ml, env });
});

describe.skipIf(!prometheusAvailable())('remediation on a living cluster', () => {
  it('rollout-restarts a crash-looping Deployment, which recovers; the record shows it', async () => {
    const restartedAt = await waitFor(
      'the engine to rollout-restart api',
      () => template('api')?.annotations?.[RESTARTED_AT],
      {
        timeoutMs: 90_000,
      },
    );
    expect(restartedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const record = await waitFor(
      'the episode to succeed',
      () => {
        const r = sandbox.store.list('remediations.coordination-engine.io', NS)[0] as
          | {
              status?: {
                phase?: string;
                outcome?: string;
                actions?: Array<{ result: string; action: string }>;
              };
            }
          | undefined;
        return r?.status?.phase === 'Succeeded' ? r : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    ).catch((error: unknown) => {
      throw new Error(
        `${String(error)}\nrecords: ${JSON.stringify(sandbox.store.list('remediations.coordination-engine.io', NS), null, 1)}\nengine: ${engine.proc
          .output()
          .split('\n')
          .filter((l) => /remediation|warn|error/i.test(l))
          .slice(-30)
          .join('\n')}`,
      );
    });
    expect(record.status?.outcome).toBe('resolved');
    expect(record.status?.actions?.filter((a) => a.result === 'Succeeded').map((a) => a.action)).toEqual([
      'RolloutRestart',
    ]);
    const table = await kubectl('get', 'remediations', '-n', NS);
    expect(table).toMatch(/Deployment\s+api\s+roll\s+Succeeded\s+1\s/);
    const events = sandbox.store.list('events', NS).filter((e) => e.reason === 'Remediated');
    // On failure, what the engine said about Events (a write it swallowed, a spam-filter drop) and every Event.
    const eventContext = `engine: ${engine.proc
      .output()
      .split('\n')
      .filter((l) => /Event/.test(l))
      .slice(-20)
      .join('\n')}\nevents: ${JSON.stringify(
      sandbox.store.list('events', NS).map((e) => [(e.involvedObject as { kind?: string }).kind, e.reason]),
    )}`;
    expect(events.map((e) => (e.involvedObject as { kind: string }).kind).sort(), eventContext).toEqual([
      'Deployment',
      'RemediationPolicy',
    ]);
    const policy = sandbox.getObject('coordination-engine.io', 'remediationpolicies', NS, 'crashloop');
    const status = policy?.status as { lastAction?: { action: string }; history?: Array<{ result: string }> };
    expect(status.lastAction?.action).toBe('RolloutRestart');
    expect(status.history?.map((h) => h.result)).toContain('Succeeded');

    // The finished episode reached the ML service as a labelled example, and was counted.
    const [example] = await waitFor('the feedback example', () => {
      const received = ml.feedback();
      return received.length > 0 ? received : undefined;
    });
    expect(ml.feedback()).toHaveLength(1);
    expect(example).toMatchObject({
      target: { kind: 'Deployment', namespace: NS, name: 'api' },
      policy: { kind: 'RemediationPolicy', name: 'crashloop', namespace: NS },
      outcome: 'resolved',
    });
    expect(example?.actions.filter((a) => a.result === 'Succeeded').map((a) => a.action)).toEqual([
      'RolloutRestart',
    ]);
    expect(example?.decision?.rules.map((r) => r.name)).toContain('crashing');
    expect(example?.decision?.featureNames).toEqual(FEATURE_NAMES);
    await waitFor(
      'the feedback metric',
      async () =>
        (await engine.metric('coordination_engine_feedback_posts_total', 'result="accepted"')) === 1
          ? true
          : undefined,
      { intervalMs: 200 },
    );
  }, 240_000);
});
