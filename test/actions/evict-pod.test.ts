import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeWorkloadActions } from '../../src/actions/kube-workload-actions.js';
import { isReady, type LivingCluster, restarts, startLivingCluster } from '../support/living-cluster.js';
import { waitFor } from '../support/wait-for.js';
import { B, createDeployment, leading, pods, readyPods } from './action-fixtures.js';

/** evictPod against the sandbox and the simulated control plane: the effect on the pods is what is asserted. */
let cluster: LivingCluster;
let actions: KubeWorkloadActions;

beforeAll(async () => {
  cluster = await startLivingCluster();
  actions = new KubeWorkloadActions(cluster.rest);
});
afterAll(async () => {
  await cluster?.stop();
});

describe('evictPod', () => {
  it.concurrent('evicts a crash-looping pod: it is replaced by a new pod (new uid) that is healthy', async () => {
    const ns = 'evict-crashloop';
    await createDeployment(cluster, ns, {
      replicas: 1,
      annotations: {
        [`${B}/behaviour`]: 'crashloop',
        [`${B}/crash-after`]: '1s',
        [`${B}/recovers-after`]: 'restart',
      },
    });
    const crashing = await waitFor(
      'a crash-looping pod',
      async () => (await pods(cluster, ns)).find((p) => restarts(p) >= 1 && !isReady(p)),
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const ref = { namespace: ns, name: crashing.metadata.name, uid: crashing.metadata.uid };

    const outcome = await actions.evictPod(leading(), ref);

    expect(outcome).toMatchObject({ result: 'done', observed: { pod: ref.name, uid: ref.uid } });
    const [fresh] = await readyPods(cluster, ns, 1, (all) => all.every((p) => p.metadata.uid !== ref.uid));
    expect(fresh?.metadata.uid).not.toBe(ref.uid);
    expect(restarts(fresh as never)).toBe(0);
    expect(await actions.observeEviction(ref)).toMatchObject({ applied: true });
  }, 90_000);

  it.concurrent('with a stale uid is PreconditionFailed and leaves the same-named new pod alone', async () => {
    const ns = 'evict-stale';
    await cluster.kubectl('create', 'namespace', ns);
    const file = await cluster.manifest(`${ns}-db.yaml`, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: ns },
      spec: {
        replicas: 1,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: { containers: [{ name: 'postgres', image: 'postgres:16' }] },
        },
      },
    });
    await cluster.ok('apply', '-f', file);
    const [first] = await readyPods(cluster, ns, 1);
    const old = { namespace: ns, name: 'db-0', uid: first?.metadata.uid as string };
    expect(first?.metadata.name).toBe('db-0');
    expect(await actions.evictPod(leading(), old)).toMatchObject({ result: 'done' });
    // The StatefulSet brings back db-0 under the same name with a new uid.
    const [second] = await readyPods(cluster, ns, 1, (all) => all.every((p) => p.metadata.uid !== old.uid));
    expect(second?.metadata.name).toBe('db-0');
    const before = await cluster.getJson<{ metadata: { resourceVersion: string } }>(
      `/api/v1/namespaces/${ns}/pods/db-0`,
    );

    const outcome = await actions.evictPod(leading(), old);

    expect(outcome).toMatchObject({ result: 'blocked', reason: 'PreconditionFailed' });
    expect(outcome.message).toContain(old.uid);
    const after = await cluster.getJson<{
      metadata: { uid: string; resourceVersion: string; deletionTimestamp?: string };
    }>(`/api/v1/namespaces/${ns}/pods/db-0`);
    expect(after.metadata.uid).toBe(second?.metadata.uid);
    expect(after.metadata.deletionTimestamp).toBeUndefined();
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  }, 90_000);

  it.concurrent('is EvictionBlocked with the server message when a PodDisruptionBudget holds (429)', async () => {
    const ns = 'evict-pdb';
    await createDeployment(cluster, ns, { replicas: 2 });
    const running = await readyPods(cluster, ns, 2);
    const pdb = await cluster.manifest(`${ns}-pdb.yaml`, {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web', namespace: ns },
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
    });
    await cluster.ok('apply', '-f', pdb);
    await waitFor(
      'the PodDisruptionBudget status: 2 healthy, 0 disruptions allowed',
      async () => {
        const got = await cluster.getJson<{
          metadata: { generation: number };
          status?: { observedGeneration?: number; currentHealthy?: number; disruptionsAllowed?: number };
        }>(`/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/web`);
        return (
          got.status?.observedGeneration === got.metadata.generation &&
          got.status.currentHealthy === 2 &&
          got.status.disruptionsAllowed === 0
        );
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const victim = running[0];
    const ref = { namespace: ns, name: victim?.metadata.name as string, uid: victim?.metadata.uid as string };

    const outcome = await actions.evictPod(leading(), ref);

    expect(outcome).toEqual({
      result: 'blocked',
      reason: 'EvictionBlocked',
      message:
        "Cannot evict pod as it would violate the pod's disruption budget. The disruption budget web needs 2 healthy pods and has 2 currently",
    });
    const still = await pods(cluster, ns);
    expect(still.map((p) => p.metadata.uid).sort()).toEqual(running.map((p) => p.metadata.uid).sort());
    expect(still.every((p) => p.metadata.deletionTimestamp === undefined)).toBe(true);
    expect(await actions.observeEviction(ref)).toMatchObject({ applied: false });
  }, 90_000);

  it.concurrent('is NotFound for a pod that does not exist', async () => {
    const ns = 'evict-missing';
    await cluster.ok('create', 'namespace', ns);
    const outcome = await actions.evictPod(leading(), { namespace: ns, name: 'ghost', uid: 'u-1' });
    expect(outcome).toMatchObject({ result: 'blocked', reason: 'NotFound' });
  });
});
