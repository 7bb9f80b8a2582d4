import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  prometheusAvailable,
  type RunningPrometheus,
  startScrapingPrometheus,
} from '../../src/demo/prometheus-launcher.js';
import type { JsonObject } from '../../src/json/json-value.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { type Simulator, startSimulator } from '../../src/simulator/simulator.js';
import { testPolicy } from '../support/policy-fixtures.js';
import { waitFor } from '../support/wait-for.js';
import {
  type EngineProcess,
  leaseHolder,
  sandboxWithCrd,
  startEngineProcess,
  stopProcess,
} from './engine-harness.js';
import { clusterViews, type RecordView, takeLease } from './remediation-views.js';

/**
 * The remediation ladder and its exactly-once guarantee on a living cluster (sandbox, simulator, a real Prometheus
 * scraping the exporter, engine CLI processes). Three scenarios in three namespaces share one cluster:
 * - ladder: nothing cures the target; both steps act, the episode escalates and stays quiet until a person resets it.
 * - crash: the engine is SIGKILLed between the persisted intent and its outcome (its rollout-restart PATCH is held
 *   by the sandbox, which still applies it after the client died); a second engine finishes it without a repeat.
 * - lease: the leader loses its lease while the PATCH is in flight; it exits, a third engine finishes it once.
 * The engines follow each other (A → B → C), so the ladder scenario also runs across two leader changes.
 */
let env: Awaited<ReturnType<typeof sandboxWithCrd>>;
let sandbox: Sandbox;
let simulator: Simulator;
let prometheus: RunningPrometheus;
const engines: EngineProcess[] = [];

const RESET = 'coordination-engine.io/reset-escalation';
const OPEN = 'coordination-engine.io/open';
const {
  records,
  record,
  deploymentOf,
  restartedAt,
  podUids,
  replicaSets,
  events,
  policyCondition,
  lastEvaluation,
  restartPatches,
} = clusterViews(() => sandbox);
const PATCH_DELAY_MS = { crash: 5_000, lease: 15_000 };

const kubectl = (...args: string[]) =>
  promisify(execFile)('kubectl', ['--kubeconfig', join(env.dir, 'kubeconfig'), ...args]).then(
    (r) => r.stdout,
  );

/** Waits like waitFor; on a timeout, says where things stood: the namespace's records and the engines' logs. */
async function waitIn<T>(
  ns: string,
  what: string,
  check: () => T | undefined | false,
  timeoutMs: number,
): Promise<T> {
  return waitFor(what, check, { timeoutMs, intervalMs: 25 }).catch((error: unknown) => {
    const logs = engines.map((e) => `--- ${e.identity}\n${tail(e.proc.output())}`).join('\n');
    throw new Error(`${String(error)}\nrecords: ${JSON.stringify(records(ns), null, 1)}\n${logs}`);
  });
}
const tail = (output: string) =>
  output
    .split('\n')
    .filter((l) => /remediat|warn|error|leader/i.test(l))
    .slice(-25)
    .join('\n');

function crashLoopingDeployment(ns: string, cure: string) {
  return {
    metadata: {
      name: 'api',
      labels: { app: 'api' },
      annotations: {
        'sandbox.coordination-engine.io/behaviour': 'crashloop',
        'sandbox.coordination-engine.io/recovers-after': cure,
        // Exits before it is Ready (2 s), so the Deployment's status stays put while it crash-loops: a held
        // PATCH with the resourceVersion the engine read still applies when the sandbox lets it through.
        'sandbox.coordination-engine.io/crash-after': '1s',
      },
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'api' } },
      template: {
        metadata: { labels: { app: 'api' } },
        spec: {
          containers: [{ name: 'app', image: `${ns}/api:1`, resources: { limits: { memory: '128Mi' } } }],
        },
      },
    },
  };
}

function policy(ns: string, actions: JsonObject[], safety: JsonObject = {}) {
  return testPolicy(ns)
    .inNamespace(ns)
    .targeting({ app: 'api' })
    .withRule({ name: 'crashing', signal: 'CrashLoopBackOff', operator: '==', value: 1, for: '0s' })
    .withActions(...actions)
    .withSafety({ dryRun: false, cooldown: '0s', maxActionsPerHour: 20, ...safety })
    .withSpecField('evaluationInterval', '10s')
    .build();
}

/** The rollout restart's PATCH of this namespace's Deployment (not its /status) is held by the sandbox. */
const holdRolloutRestart = (ns: 'crash' | 'lease') =>
  sandbox.faults.delayNext({
    method: 'PATCH',
    path: new RegExp(`/namespaces/${ns}/deployments/api$`),
    count: 1,
    delayMs: PATCH_DELAY_MS[ns],
  });

const startEngine = async (identity: string) => {
  const engine = await startEngineProcess(`${env.dir}/kubeconfig`, identity, [
    '--prometheus-url',
    prometheus.url,
  ]);
  engines.push(engine);
  return engine;
};

let resolveSecondEngine: (engine: EngineProcess) => void;
const secondEngine = new Promise<EngineProcess>((resolve) => {
  resolveSecondEngine = resolve;
});

beforeAll(async () => {
  env = await sandboxWithCrd();
  sandbox = env.sandbox;
  simulator = await startSimulator({ kubeConfig: sandbox.kubeConfig(), exporterPort: 0 });
  const post = (path: string, body: object) => env.rest.request({ method: 'POST', path, body });
  const cures = { ladder: 'never', crash: 'rollout-restart', lease: 'rollout-restart' };
  for (const [ns, cure] of Object.entries(cures)) {
    await post('/api/v1/namespaces', { metadata: { name: ns } });
    await post(`/apis/apps/v1/namespaces/${ns}/deployments`, crashLoopingDeployment(ns, cure));
  }
  prometheus = await startScrapingPrometheus(
    { targets: [new URL(simulator.exporter?.url ?? '').host], intervalSeconds: 5 },
    await simulator.history(10 * 60, 15),
  );
  holdRolloutRestart('crash');
  holdRolloutRestart('lease');
  const create = (p: object) =>
    sandbox.create('coordination-engine.io', 'v1alpha1', 'remediationpolicies', p as never);
  create(
    policy(
      'ladder',
      [
        { name: 'restart', type: 'RestartPod', verificationWindow: '10s' },
        { name: 'roll', type: 'RolloutRestart', verificationWindow: '10s' },
      ],
      { maxAttempts: 3 },
    ),
  );
  create(policy('crash', [{ name: 'roll', type: 'RolloutRestart', verificationWindow: '20s' }]));
  // The lease scenario's policy appears once the second engine leads (it has to be the one in flight).
  await startEngine('engine-a');
}, 120_000);

afterAll(async () => {
  await Promise.all(engines.map(stopProcess));
  await Promise.all([prometheus?.stop(), simulator?.stop()]);
  await env?.cleanup();
});

/** Waits until the namespace's open record holds a persisted intent with no outcome yet, and returns it. */
const actingRecord = (ns: string, timeoutMs: number) =>
  waitIn(
    ns,
    `a ${ns} record Acting with an intent`,
    () => records(ns).find((r) => r.status?.phase === 'Acting' && r.status.intent),
    timeoutMs,
  );

/** The effect happened exactly once: one restartedAt (the intent's), one new ReplicaSet, one settled action. */
async function expectExactlyOnce(ns: string, name: string, intentId: string, expected: string) {
  const settled = await waitIn(
    ns,
    `the ${ns} episode to succeed`,
    () => {
      const r = record(ns, name);
      return r?.status?.phase === 'Succeeded' ? r : undefined;
    },
    90_000,
  );
  expect(restartedAt(ns)).toBe(expected);
  // Generation 1 was the Deployment as created; one template change makes 2 (a second value would make 3).
  expect(deploymentOf(ns).metadata.generation).toBe(2);
  expect(replicaSets(ns).sort()).toEqual([expected, undefined].sort());
  expect(settled.status?.actions?.map((a) => [a.id, a.action, a.result])).toEqual([
    [intentId, 'RolloutRestart', 'Succeeded'],
  ]);
  expect(settled.status?.intent).toBeUndefined();
  expect(settled.status?.outcome).toBe('resolved');
  expect(records(ns)).toHaveLength(1);
}

describe.skipIf(!prometheusAvailable())('the remediation ladder on a living cluster', () => {
  it.concurrent('escalates after its last step, acts no more until a person resets it, then starts a new episode', async () => {
    const ns = 'ladder';
    const [firstPod = ''] = await waitIn(
      ns,
      'the first pod',
      () => podUids(ns).length === 1 && podUids(ns),
      30_000,
    );
    // Step 1, RestartPod: the crash-looping pod is evicted and replaced (a new uid).
    await waitIn(
      ns,
      'the pod replaced',
      () => !podUids(ns).includes(firstPod) && podUids(ns).length > 0,
      90_000,
    );
    expect(restartedAt(ns)).toBeUndefined();
    // Step 2, RolloutRestart, once the restart did not cure it within its window.
    await waitIn(ns, 'the rollout restart', () => restartedAt(ns), 90_000);
    const escalated = await waitIn(
      ns,
      'the episode escalated',
      () => records(ns).find((r) => r.status?.phase === 'Escalated'),
      90_000,
    );
    const { name } = escalated.metadata;
    expect(escalated.metadata.labels?.[OPEN]).toBe('true');
    expect(escalated.status?.conditions?.find((c) => c.type === 'Escalated')?.status).toBe('True');
    expect(escalated.status?.outcome).toBe('escalated');
    expect(escalated.status?.attempts).toBe(2);
    expect(
      escalated.status?.actions?.filter((a) => a.result === 'Succeeded').map((a) => [a.step, a.action]),
    ).toEqual([
      ['restart', 'RestartPod'],
      ['roll', 'RolloutRestart'],
    ]);
    await waitIn(
      ns,
      'the policy Escalated=True',
      () => policyCondition(ns, ns, 'Escalated')?.status === 'True',
      30_000,
    );
    const warning = events(ns, 'Escalated', 'Deployment');
    expect(warning.map((e) => [e.type, (e.involvedObject as { name: string }).name])).toEqual([
      ['Warning', 'api'],
    ]);

    // Escalated means quiet: over three more evaluations nothing is touched and nothing is recorded.
    const before = {
      template: restartedAt(ns),
      generation: deploymentOf(ns).metadata.generation,
      pods: podUids(ns).sort(),
      actions: escalated.status?.actions?.length,
    };
    const since = lastEvaluation(ns, ns);
    await waitIn(ns, 'three more evaluations', () => lastEvaluation(ns, ns) >= since + 25_000, 60_000);
    expect({
      template: restartedAt(ns),
      generation: deploymentOf(ns).metadata.generation,
      pods: podUids(ns).sort(),
      actions: record(ns, name)?.status?.actions?.length,
    }).toEqual(before);
    expect(record(ns, name)?.status?.phase).toBe('Escalated');
    expect(records(ns)).toHaveLength(1);

    // The documented reset, with the real kubectl: the record closes and, still anomalous, a new episode acts.
    await kubectl('annotate', 'remediation', name, '-n', ns, `${RESET}=now`);
    await waitIn(
      ns,
      'the escalated record closed',
      () => record(ns, name)?.metadata.labels?.[OPEN] === 'false',
      30_000,
    );
    // Its Events follow the record's write.
    await waitIn(
      ns,
      'an EscalationReset Event on the Deployment',
      () => events(ns, 'EscalationReset', 'Deployment').length === 1,
      10_000,
    );
    const next = await waitIn(
      ns,
      'a new episode that acted',
      () =>
        records(ns).find(
          (r) => r.metadata.name !== name && r.status?.actions?.some((a) => a.result === 'Succeeded'),
        ),
      60_000,
    );
    expect(next.metadata.labels?.[OPEN]).toBe('true');
    expect(next.status?.actions?.filter((a) => a.result === 'Succeeded').map((a) => a.action)).toEqual([
      'RestartPod',
    ]);
    // Its effect: one of the pods there were while escalated is gone.
    await waitIn(
      ns,
      'a pod replaced again',
      () => before.pods.some((uid) => !podUids(ns).includes(uid)),
      30_000,
    );
  }, 240_000);

  it.concurrent('a SIGKILL between intent and outcome: the held write lands after the kill, the successor does not repeat it', async () => {
    const ns = 'crash';
    const first = engines[0] as EngineProcess;
    const acting = await actingRecord(ns, 60_000);
    const intent = acting.status?.intent as NonNullable<NonNullable<RecordView['status']>['intent']>;
    const expected = String(intent.expected?.restartedAt);
    expect(intent.action).toBe('RolloutRestart');
    // Between intent and outcome: the PATCH has reached the sandbox, which holds it.
    const [held] = await waitIn(
      ns,
      'engine-a\u2019s PATCH held',
      () => restartPatches(ns).length === 1 && restartPatches(ns),
      10_000,
    );
    expect(held?.restartedAt).toBe(expected);
    expect(restartedAt(ns)).toBeUndefined();
    first.proc.child.kill('SIGKILL');
    try {
      expect(await first.proc.exited).toBe('SIGKILL');
      // The sandbox applies a request it has read even though its client died (as an apiserver does).
      await waitIn(
        ns,
        'the dead engine\u2019s PATCH to land',
        () => restartedAt(ns),
        PATCH_DELAY_MS.crash + 5_000,
      );
      expect(restartedAt(ns)).toBe(expected);
    } finally {
      // The other scenarios need a leader whatever happened here.
      resolveSecondEngine(await startEngine('engine-b'));
    }
    await waitIn(ns, 'engine-b to lead', () => leaseHolder(sandbox) === 'engine-b', 30_000);
    await expectExactlyOnce(ns, acting.metadata.name, intent.id, expected);
    // engine-b observed the write and sent none of its own.
    expect(restartPatches(ns)).toHaveLength(1);
  }, 240_000);

  it.concurrent('the lease lost while the write is in flight: the engine exits, the next one acts exactly once', async () => {
    const ns = 'lease';
    const second = await secondEngine;
    await waitIn(ns, 'engine-b to lead', () => leaseHolder(sandbox) === 'engine-b', 30_000);
    sandbox.create(
      'coordination-engine.io',
      'v1alpha1',
      'remediationpolicies',
      policy(ns, [{ name: 'roll', type: 'RolloutRestart', verificationWindow: '20s' }]) as never,
    );
    const acting = await actingRecord(ns, 60_000);
    const intent = acting.status?.intent as NonNullable<NonNullable<RecordView['status']>['intent']>;
    const expected = String(intent.expected?.restartedAt);
    const [held] = await waitIn(
      ns,
      'engine-b\u2019s PATCH held',
      () => restartPatches(ns).length === 1 && restartPatches(ns),
      10_000,
    );
    // The successor's own PATCH is held too, long enough that the lost leader's write lands while it is in flight:
    // the successor reads the Deployment before that write, and writes after it.
    sandbox.faults.delayNext({
      method: 'PATCH',
      path: new RegExp(`/namespaces/${ns}/deployments/api$`),
      count: 1,
      delayMs: PATCH_DELAY_MS.lease,
    });
    expect(restartedAt(ns)).toBeUndefined();
    await takeLease(env.rest, 'usurper', 2);
    expect(await second.proc.exited).toBe(1);
    expect(second.proc.output()).toContain('leader election lost');
    await startEngine('engine-c');
    await waitIn(ns, 'engine-c to lead', () => leaseHolder(sandbox) === 'engine-c', 30_000);
    await waitIn(
      ns,
      'engine-b\u2019s held PATCH to land',
      () => restartedAt(ns),
      PATCH_DELAY_MS.lease + 5_000,
    );
    expect(restartedAt(ns)).toBe(expected);
    // engine-c replayed the intent before that: the same value, written against the same resourceVersion.
    const replay = await waitIn(ns, 'engine-c\u2019s replayed PATCH', () => restartPatches(ns)[1], 5_000);
    expect(replay.restartedAt).toBe(expected);
    expect(replay.resourceVersion).toBe(held?.resourceVersion);
    await expectExactlyOnce(ns, acting.metadata.name, intent.id, expected);
    // Its write was refused (the lost leader's had changed the Deployment), and it recognised the intent as done.
    expect(replay.entry.status).toBe(409);
    expect(restartPatches(ns)).toHaveLength(2);
  }, 240_000);
});
