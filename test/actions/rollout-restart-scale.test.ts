import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeWorkloadActions } from '../../src/actions/kube-workload-actions.js';
import { RESTARTED_AT, restartedAtValue, rolloutRestartPatch } from '../../src/actions/rollout-restart.js';
import { type LivingCluster, startLivingCluster } from '../support/living-cluster.js';
import { waitFor } from '../support/wait-for.js';
import {
  createDeployment,
  deployment,
  leading,
  pods,
  RecordingRest,
  readyPods,
  replicaSets,
  rolledOut,
} from './action-fixtures.js';

/** rolloutRestart and scale against the living cluster, compared with what the real kubectl sends and does. */
let cluster: LivingCluster;
let actions: KubeWorkloadActions;

beforeAll(async () => {
  cluster = await startLivingCluster();
  actions = new KubeWorkloadActions(cluster.rest);
});
afterAll(async () => {
  await cluster?.stop();
});

/** The body of the PATCH kubectl logs at -v=8: klog's `"Request Body" body="<Go-quoted JSON>"`. */
function kubectlPatchBody(stderr: string): unknown {
  const bodies = stderr
    .split('\n')
    .filter((l) => l.includes('"Request Body"'))
    .map((l) => JSON.parse(l.slice(l.indexOf('body=') + 'body='.length).trim()) as string)
    .filter((b) => b !== '');
  if (bodies.length !== 1) throw new Error(`expected one request body:\n${stderr.slice(0, 2000)}`);
  return JSON.parse(bodies[0] as string);
}

describe('rolloutRestart', () => {
  it.concurrent('sends the patch kubectl rollout restart sends, plus the resourceVersion precondition', async () => {
    const ns = 'restart-shape';
    await createDeployment(cluster, ns, { replicas: 1 });
    const result = await cluster.kubectl('rollout', 'restart', 'deployment/web', '-n', ns, '-v=8');
    expect(result.code).toBe(0);
    const sent = kubectlPatchBody(result.stderr) as {
      spec: { template: { metadata: { annotations: Record<string, string> } } };
    };
    const value = sent.spec.template.metadata.annotations[RESTARTED_AT] as string;
    expect(value).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
    const ours = rolloutRestartPatch(value, '42');
    expect(ours).toEqual({ ...sent, metadata: { resourceVersion: '42' } });
    expect(restartedAtValue(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T03:04:05Z');
  });

  it.concurrent('rolls every pod onto a new ReplicaSet, idempotently', async () => {
    const ns = 'restart-roll';
    const target = await createDeployment(cluster, ns, { replicas: 3 });
    const before = await readyPods(cluster, ns, 3);
    await rolledOut(cluster, ns);
    const [oldRs] = await replicaSets(cluster, ns);
    const restartedAt = restartedAtValue(new Date());
    expect(await actions.observeRolloutRestart(target, restartedAt)).toMatchObject({ applied: false });

    const outcome = await actions.rolloutRestart(leading(), target, restartedAt);

    expect(outcome).toMatchObject({ result: 'done', observed: { restartedAt } });
    const d = await rolledOut(cluster, ns);
    expect(d.spec.template.metadata.annotations?.[RESTARTED_AT]).toBe(restartedAt);
    const oldUids = new Set(before.map((p) => p.metadata.uid));
    const after = await readyPods(cluster, ns, 3, (all) => all.every((p) => !oldUids.has(p.metadata.uid)));
    const newRs = (await replicaSets(cluster, ns)).find((rs) => rs.spec.replicas === 3);
    expect(newRs?.metadata.name).not.toBe(oldRs?.metadata.name);
    const hash = newRs?.metadata.labels?.['pod-template-hash'];
    expect(after.every((p) => p.metadata.labels?.['pod-template-hash'] === hash)).toBe(true);
    expect(await actions.observeRolloutRestart(target, restartedAt)).toMatchObject({ applied: true });

    // A takeover that repeats the action writes nothing.
    const recording = new RecordingRest(cluster.sandbox.kubeConfig());
    const again = await new KubeWorkloadActions(recording).rolloutRestart(
      recording.context(),
      target,
      restartedAt,
    );
    expect(again.result).toBe('done');
    expect(recording.writes()).toEqual([]);
    expect((await deployment(cluster, ns)).metadata.generation).toBe(d.metadata.generation);
  }, 120_000);

  it.concurrent('is PreconditionFailed for a recreated Deployment and Conflict when it changes meanwhile', async () => {
    const ns = 'restart-guards';
    const target = await createDeployment(cluster, ns, { replicas: 1 });
    const stale = { ...target, uid: 'not-the-uid' };
    const generation = (await deployment(cluster, ns)).metadata.generation;
    expect(await actions.rolloutRestart(leading(), stale, restartedAtValue(new Date()))).toMatchObject({
      result: 'blocked',
      reason: 'PreconditionFailed',
    });
    expect((await deployment(cluster, ns)).metadata.generation).toBe(generation);

    // Another writer changes the Deployment between the action's read and its patch.
    const racing = new RecordingRest(cluster.sandbox.kubeConfig());
    racing.beforeSend = async (req) => {
      if (req.method !== 'PATCH') return;
      racing.beforeSend = undefined;
      await cluster.ok('annotate', 'deployment/web', '-n', ns, 'team=payments');
    };
    const outcome = await new KubeWorkloadActions(racing).rolloutRestart(
      racing.context(),
      target,
      restartedAtValue(new Date()),
    );
    expect(outcome).toMatchObject({ result: 'blocked', reason: 'Conflict' });
    const d = await deployment(cluster, ns);
    expect(d.spec.template.metadata.annotations?.[RESTARTED_AT]).toBeUndefined();
    expect(d.metadata.annotations?.team).toBe('payments');
  }, 60_000);
});

describe('scale', () => {
  it.concurrent('changes replicas through /scale and the pods follow', async () => {
    const ns = 'scale-out';
    const target = await createDeployment(cluster, ns, { replicas: 2 });
    await readyPods(cluster, ns, 2);
    await rolledOut(cluster, ns);

    const outcome = await actions.scale(leading(), target, 4);

    expect(outcome).toMatchObject({ result: 'done', observed: { from: 2, to: 4 } });
    expect((await deployment(cluster, ns)).spec.replicas).toBe(4);
    await readyPods(cluster, ns, 4);
    expect(await actions.observeScale(target, 4)).toMatchObject({ applied: true });
    const row = await cluster.ok('get', 'deployment', 'web', '-n', ns, '-o', 'jsonpath={.spec.replicas}');
    expect(row).toBe('4');
  }, 90_000);

  it.concurrent('scales a StatefulSet down from the highest ordinal', async () => {
    const ns = 'scale-sts';
    await cluster.ok('create', 'namespace', ns);
    const file = await cluster.manifest(`${ns}-db.yaml`, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: ns },
      spec: {
        replicas: 2,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: { containers: [{ name: 'postgres', image: 'postgres:16' }] },
        },
      },
    });
    await cluster.ok('apply', '-f', file);
    await readyPods(cluster, ns, 2);
    const sts = await cluster.getJson<{ metadata: { uid: string } }>(
      `/apis/apps/v1/namespaces/${ns}/statefulsets/db`,
    );
    const target = { kind: 'StatefulSet' as const, namespace: ns, name: 'db', uid: sts.metadata.uid };

    expect(await actions.scale(leading(), target, 1)).toMatchObject({
      result: 'done',
      observed: { from: 2, to: 1 },
    });
    const [left] = await readyPods(cluster, ns, 1);
    expect(left?.metadata.name).toBe('db-0');
  }, 90_000);

  it.concurrent('is Conflict when the workload changes between the read and the write', async () => {
    const ns = 'scale-race';
    const target = await createDeployment(cluster, ns, { replicas: 1 });
    const racing = new RecordingRest(cluster.sandbox.kubeConfig());
    racing.beforeSend = async (req) => {
      if (req.method !== 'PUT') return;
      racing.beforeSend = undefined;
      await cluster.ok('scale', 'deployment/web', '-n', ns, '--replicas=3');
    };

    const outcome = await new KubeWorkloadActions(racing).scale(racing.context(), target, 2);

    expect(outcome).toMatchObject({ result: 'blocked', reason: 'Conflict' });
    expect((await deployment(cluster, ns)).spec.replicas).toBe(3);
    await waitFor('3 pods', async () => (await pods(cluster, ns)).length === 3, { timeoutMs: 30_000 });
  }, 60_000);

  it.concurrent('is NotFound for a missing workload', async () => {
    const ns = 'scale-missing';
    await cluster.ok('create', 'namespace', ns);
    const outcome = await actions.scale(
      leading(),
      { kind: 'Deployment', namespace: ns, name: 'nope', uid: 'u' },
      2,
    );
    expect(outcome).toMatchObject({ result: 'blocked', reason: 'NotFound' });
  });
});
