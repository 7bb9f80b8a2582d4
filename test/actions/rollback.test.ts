import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeWorkloadActions } from '../../src/actions/kube-workload-actions.js';
import { sameTemplate } from '../../src/actions/template-equality.js';
import { isReady, type LivingCluster, restarts, startLivingCluster } from '../support/living-cluster.js';
import { waitFor } from '../support/wait-for.js';
import {
  B,
  createDeployment,
  type DeploymentView,
  deployment,
  leading,
  pods,
  readyPods,
  replicaSets,
  rolledOut,
} from './action-fixtures.js';

/**
 * rollback against the living cluster: a bad rollout (the simulator crashes the pods of a revision created after
 * `behaviour: bad-rollout` appeared) is undone and the pods are healthy again; the Deployment ends up exactly as
 * `kubectl rollout undo` leaves a twin with the same history.
 */
let cluster: LivingCluster;
let actions: KubeWorkloadActions;

beforeAll(async () => {
  cluster = await startLivingCluster();
  actions = new KubeWorkloadActions(cluster.rest);
});
afterAll(async () => {
  await cluster?.stop();
});

const CHANGE_CAUSE = 'kubernetes.io/change-cause';

/** Deployment `name`: revision 1 (nginx:1.26, change-cause "v1"), then the bad revision 2 (nginx:1.27, "v2"). */
async function badRollout(ns: string, name: string) {
  const target = await createDeployment(cluster, ns, {
    name,
    replicas: 2,
    annotations: {
      [`${B}/behaviour`]: 'bad-rollout',
      [`${B}/recovers-after`]: 'rollback',
      [CHANGE_CAUSE]: 'v1',
    },
  });
  await rolledOut(cluster, ns, name);
  // In this order, as `--record` does: the change-cause lands on the new (newest) ReplicaSet only.
  await cluster.ok('set', 'image', `deployment/${name}`, 'nginx=nginx:1.27', '-n', ns);
  await cluster.ok('annotate', `deployment/${name}`, '-n', ns, '--overwrite', `${CHANGE_CAUSE}=v2`);
  await waitFor(
    `the new revision of ${name} crash-looping`,
    async () => {
      const all = (await pods(cluster, ns)).filter((p) => p.metadata.labels?.app === name);
      const fresh = all.filter((p) => p.spec.containers[0]?.image === 'nginx:1.27');
      return fresh.length > 0 && fresh.every((p) => restarts(p) >= 1 && !isReady(p));
    },
    { timeoutMs: 45_000, intervalMs: 250 },
  );
  await waitFor(`${name} generation observed`, async () => {
    const d = await deployment(cluster, ns, name);
    return d.status?.observedGeneration === d.metadata.generation;
  });
  return target;
}

describe('rollback of a Deployment', () => {
  it.concurrent('undoes a bad rollout as kubectl rollout undo does, and the pods become healthy', async () => {
    const ns = 'rollback-deploy';
    const ours = await badRollout(ns, 'web');
    await badRollout(ns, 'twin');
    const goodRs = (await replicaSets(cluster, ns)).find(
      (rs) =>
        rs.metadata.name.startsWith('web-') &&
        rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === '1',
    );

    const outcome = await actions.rollback(leading(), ours);

    expect(outcome).toMatchObject({
      result: 'done',
      observed: { fromRevision: 2, toRevision: 1, replicaSet: goodRs?.metadata.name },
    });
    expect(await cluster.ok('rollout', 'undo', 'deployment/twin', '-n', ns)).toMatch(/rolled back/);

    const web = await rolledOut(cluster, ns, 'web');
    const twin = await rolledOut(cluster, ns, 'twin');
    const asWeb = JSON.parse(JSON.stringify(twin).replaceAll('twin', 'web')) as DeploymentView;
    expect(web.metadata.annotations).toEqual(asWeb.metadata.annotations);
    // kubectl's typed template carries `creationTimestamp: null` and `resources: {}`, which mean "unset".
    expect(sameTemplate(web.spec.template, asWeb.spec.template)).toBe(true);
    expect(sameTemplate(web.spec.template, { ...asWeb.spec.template, spec: {} })).toBe(false);
    expect(web.metadata.annotations?.[CHANGE_CAUSE]).toBe('v1');
    expect(web.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');

    const healthy = await readyPods(cluster, ns, 4);
    const webPods = healthy.filter((p) => p.metadata.labels?.app === 'web');
    expect(webPods.every((p) => p.metadata.name.startsWith(`${goodRs?.metadata.name}-`))).toBe(true);
    expect(webPods.map((p) => p.spec.containers[0]?.image)).toEqual(['nginx:1.26', 'nginx:1.26']);
    expect(await actions.observeRollback(ours, 2)).toMatchObject({ applied: true });
    // Done already: the template is revision 1's (now 3), so rolling back "to 3" changes nothing.
    expect(await actions.rollback(leading(), ours, 3)).toMatchObject({
      result: 'done',
      message: expect.stringContaining('skipped rollback'),
    });
  }, 150_000);

  it.concurrent('is NotFound without a previous revision, or for a revision not in the history', async () => {
    const ns = 'rollback-none';
    const target = await createDeployment(cluster, ns, { replicas: 1 });
    const before = await rolledOut(cluster, ns);
    expect(await actions.observeRollback(target, 1)).toMatchObject({ applied: false });

    expect(await actions.rollback(leading(), target)).toEqual({
      result: 'blocked',
      reason: 'NotFound',
      message: `Deployment ${ns}/web: no previous revision to roll back to (no rollout history)`,
    });
    expect(await actions.rollback(leading(), target, 7)).toMatchObject({
      result: 'blocked',
      reason: 'NotFound',
      message: expect.stringContaining('unable to find revision 7'),
    });
    expect((await deployment(cluster, ns)).metadata.generation).toBe(before.metadata.generation);
  }, 60_000);
});

interface StatefulSetView {
  metadata: { uid: string; generation: number };
  spec: { template: { spec: { containers: { image: string }[] } } };
  status?: { observedGeneration?: number; updateRevision?: string; currentRevision?: string };
}

describe('rollback of a StatefulSet', () => {
  it.concurrent('applies the previous ControllerRevision, as kubectl rollout undo does', async () => {
    const ns = 'rollback-sts';
    await cluster.ok('create', 'namespace', ns);
    const file = await cluster.manifest(`${ns}-db.yaml`, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: {
        name: 'db',
        namespace: ns,
        annotations: { [`${B}/behaviour`]: 'bad-rollout', [`${B}/recovers-after`]: 'rollback' },
      },
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
    const path = `/apis/apps/v1/namespaces/${ns}/statefulsets/db`;
    const first = await cluster.getJson<StatefulSetView>(path);
    const goodRevision = first.status?.updateRevision;
    const target = { kind: 'StatefulSet' as const, namespace: ns, name: 'db', uid: first.metadata.uid };
    expect(await actions.rollback(leading(), target)).toMatchObject({
      result: 'blocked',
      reason: 'NotFound',
    });

    await cluster.ok('set', 'image', 'statefulset/db', 'postgres=postgres:17', '-n', ns);
    await waitFor(
      'db-1 on the new revision, crash-looping',
      async () => {
        const db1 = (await pods(cluster, ns)).find((p) => p.metadata.name === 'db-1');
        return db1?.spec.containers[0]?.image === 'postgres:17' && restarts(db1) >= 1;
      },
      { timeoutMs: 45_000, intervalMs: 250 },
    );
    const bad = await waitFor('generation observed', async () => {
      const s = await cluster.getJson<StatefulSetView>(path);
      return s.status?.observedGeneration === s.metadata.generation && s;
    });

    const outcome = await actions.rollback(leading(), target);

    expect(outcome).toMatchObject({
      result: 'done',
      observed: { fromRevision: 2, toRevision: 1, controllerRevision: goodRevision },
    });
    const after = await waitFor('the old revision is the update revision again', async () => {
      const s = await cluster.getJson<StatefulSetView>(path);
      return (
        s.status?.observedGeneration === s.metadata.generation &&
        s.status.updateRevision === goodRevision &&
        s
      );
    });
    expect(after.metadata.generation).toBe(bad.metadata.generation + 1);
    expect(after.spec.template.spec.containers[0]?.image).toBe('postgres:16');
    const revisions = await cluster.getJson<{ items: { metadata: { name: string }; revision: number }[] }>(
      `/apis/apps/v1/namespaces/${ns}/controllerrevisions`,
    );
    expect(revisions.items.find((r) => r.metadata.name === goodRevision)?.revision).toBe(3);
    expect(await actions.observeRollback(target, 2)).toMatchObject({ applied: true });
    // As upstream, OrderedReady does not replace a pod that never became Ready: deleting it lets the old one in.
    await cluster.ok('delete', 'pod', 'db-1', '-n', ns, '--wait=false');
    const healthy = await readyPods(cluster, ns, 2, (all) =>
      all.every((p) => p.metadata.labels?.['controller-revision-hash'] === goodRevision),
    );
    expect(healthy.map((p) => p.spec.containers[0]?.image)).toEqual(['postgres:16', 'postgres:16']);
  }, 150_000);
});
