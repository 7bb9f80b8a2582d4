import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LivingCluster, type PodView, restarts, startLivingCluster } from '../support/living-cluster.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Review of issue 8: repros of behaviour that differs from the docs or from a real cluster. Each test asserts what
 * docs/simulator.md (or kube-controller-manager) says should happen, so it fails until the bug is fixed.
 */
let cluster: LivingCluster;

beforeAll(async () => {
  cluster = await startLivingCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

const B = 'sandbox.coordination-engine.io';

async function pods(ns: string): Promise<PodView[]> {
  return (await cluster.getJson<{ items: PodView[] }>(`/api/v1/namespaces/${ns}/pods`)).items;
}
const live = async (ns: string) => (await pods(ns)).filter((p) => !p.metadata.deletionTimestamp);

async function deployment(ns: string, replicas: number, annotations: Record<string, string>) {
  return cluster.manifest(`${ns}-${Math.random().toString(36).slice(2)}.yaml`, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: ns, annotations },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'app', image: 'nginx' }] },
      },
    },
  });
}

/** Lets `ms` of wall time pass (the behaviour under test is "nothing happens for a while"). */
const elapse = (ms: number) => {
  const until = Date.now() + ms;
  return waitFor(`${ms} ms to pass`, () => Date.now() >= until, { timeoutMs: ms + 5_000, intervalMs: 200 });
};

describe('review repros (issue 8)', () => {
  it.concurrent('restart cure: the replacement of a deleted crash-looping pod is healthy (docs: "pods created after that are healthy")', async () => {
    const ns = 'rv-restart-cure';
    await cluster.ok('create', 'namespace', ns);
    const file = await deployment(ns, 1, {
      [`${B}/behaviour`]: 'crashloop',
      [`${B}/recovers-after`]: 'restart',
      [`${B}/crash-after`]: '2s',
    });
    await cluster.ok('apply', '-f', file);
    const [troubled] = await waitFor(
      'the pod crashing',
      async () => {
        const p = await live(ns);
        return p.length === 1 && restarts(p[0] as PodView) >= 1 && p;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    await cluster.ok('delete', 'pod', troubled?.metadata.name as string, '-n', ns, '--wait=false');
    const replacement = await waitFor(
      'a replacement pod running',
      async () => {
        const p = (await live(ns)).filter((x) => x.metadata.uid !== troubled?.metadata.uid);
        return p.length === 1 && p[0]?.status.phase === 'Running' && p[0];
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    // crash-after 2 s: a troubled replacement would have restarted twice by now.
    await elapse(8_000);
    const now = (await live(ns)).find((p) => p.metadata.uid === replacement.metadata.uid);
    expect(now && restarts(now)).toBe(0);
  }, 90_000);

  it.concurrent('a Deployment deleted and re-created under the same name gets a fresh episode (its old cure does not carry over)', async () => {
    const ns = 'rv-recreate';
    await cluster.ok('create', 'namespace', ns);
    const annotations = {
      [`${B}/behaviour`]: 'crashloop',
      [`${B}/recovers-after`]: 'scale',
      [`${B}/crash-after`]: '2s',
    };
    await cluster.ok('apply', '-f', await deployment(ns, 1, annotations));
    await waitFor(
      'the first incarnation crashing',
      async () => (await live(ns)).some((p) => restarts(p) >= 1),
      {
        timeoutMs: 30_000,
        intervalMs: 250,
      },
    );
    await cluster.ok('scale', 'deployment', 'web', '-n', ns, '--replicas=2'); // the cure
    await waitFor('2 pods', async () => (await live(ns)).length === 2, {
      timeoutMs: 20_000,
      intervalMs: 250,
    });
    await elapse(3_000); // let the kubelet see the scale (the cure is recorded on a pod sync)
    await cluster.ok('delete', 'deployment', 'web', '-n', ns);
    await waitFor('no pods left', async () => (await pods(ns)).length === 0, {
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    // Same name, same annotations: a new workload whose trouble has not been cured.
    await cluster.ok('apply', '-f', await deployment(ns, 1, annotations));
    await waitFor(
      'the re-created Deployment crashing',
      async () => (await live(ns)).some((p) => restarts(p) >= 1),
      { timeoutMs: 20_000, intervalMs: 250 },
    );
  }, 120_000);

  it.concurrent('an annotation override (crash-after) applies to pods that are already running', async () => {
    const ns = 'rv-override';
    await cluster.ok('create', 'namespace', ns);
    await cluster.ok('apply', '-f', await deployment(ns, 1, {}));
    await waitFor('a Ready pod', async () => (await live(ns)).length === 1, { timeoutMs: 20_000 });
    await elapse(3_000);
    const annotatedAt = Date.now();
    await cluster.ok(
      'annotate',
      'deployment',
      'web',
      '-n',
      ns,
      `${B}/behaviour=crashloop`,
      `${B}/crash-after=2s`,
    );
    // With crash-after 2 s the first crash is due ~2 s after the annotation; the healthy default (10 s) is what
    // the running pod actually uses, because its PodSim keeps the params it was built with.
    await waitFor(
      'a restart within 6 s of the annotation',
      async () => (await live(ns)).some((p) => restarts(p) >= 1),
      {
        timeoutMs: 6_000,
        intervalMs: 200,
      },
    );
    expect(Date.now() - annotatedAt).toBeLessThan(6_500);
  }, 60_000);

  it.concurrent('kubectl scale works on a paused Deployment, as kube-controller-manager scales paused ones', async () => {
    const ns = 'rv-paused';
    await cluster.ok('create', 'namespace', ns);
    await cluster.ok('apply', '-f', await deployment(ns, 2, {}));
    await waitFor('2 pods', async () => (await live(ns)).length === 2, {
      timeoutMs: 20_000,
      intervalMs: 250,
    });
    await cluster.ok('rollout', 'pause', 'deployment/web', '-n', ns);
    await cluster.ok('scale', 'deployment', 'web', '-n', ns, '--replicas=4');
    await waitFor('4 pods while paused', async () => (await live(ns)).length === 4, {
      timeoutMs: 15_000,
      intervalMs: 250,
    });
  }, 60_000);

  it.concurrent('Recreate starts no new pod while an old one is still Terminating (oldPodsRunning counts them)', async () => {
    const ns = 'rv-recreate-strategy';
    await cluster.ok('create', 'namespace', ns);
    const file = await cluster.manifest(`${ns}.yaml`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'r', namespace: ns, annotations: { [`${B}/termination-seconds`]: '6s' } },
      spec: {
        replicas: 2,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: { app: 'r' } },
        template: {
          metadata: { labels: { app: 'r' } },
          spec: { containers: [{ name: 'c', image: 'nginx' }] },
        },
      },
    });
    await cluster.ok('apply', '-f', file);
    const old = await waitFor(
      '2 Running pods',
      async () => {
        const p = await live(ns);
        return p.length === 2 && p.every((x) => x.status.phase === 'Running') && p;
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    const oldNames = new Set(old.map((p) => p.metadata.name));
    await cluster.ok('set', 'image', 'deployment/r', 'c=nginx:2', '-n', ns);
    // Until the old pods are gone, no pod of the new ReplicaSet may exist.
    const outcome = await waitFor(
      'the old pods gone (or a new pod beside a terminating old one)',
      async () => {
        const all = await pods(ns);
        const olds = all.filter((p) => oldNames.has(p.metadata.name));
        const news = all.filter((p) => !oldNames.has(p.metadata.name));
        if (olds.length > 0 && news.length > 0) return 'overlap';
        return olds.length === 0 && 'clean';
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(outcome).toBe('clean');
  }, 60_000);

  it.concurrent('a failed final DELETE by the kubelet is retried (the pod does not stay Terminating for ever)', async () => {
    const ns = 'rv-final-delete';
    await cluster.ok('create', 'namespace', ns);
    await cluster.ok('apply', '-f', await deployment(ns, 1, { [`${B}/termination-seconds`]: '3s' }));
    const [pod] = await waitFor(
      'a Running pod',
      async () => {
        const p = await live(ns);
        return p.length === 1 && p[0]?.status.phase === 'Running' && p;
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    const name = pod?.metadata.name as string;
    await cluster.ok('delete', 'pod', name, '-n', ns, '--wait=false');
    // The next DELETE of this pod is the kubelet's own (grace 0) once its container stopped: let it fail once.
    cluster.sandbox.faults.failNext({
      method: 'DELETE',
      path: `/namespaces/${ns}/pods/${name}`,
      count: 1,
      status: 500,
    });
    await waitFor(`${name} removed`, async () => !(await pods(ns)).some((p) => p.metadata.name === name), {
      timeoutMs: 20_000,
      intervalMs: 250,
    });
  }, 60_000);

  it.concurrent('deleting a Deployment while its ReplicaSet is still creating pods leaves no pods behind', async () => {
    const ns = 'rv-gc-race';
    await cluster.ok('create', 'namespace', ns);
    await cluster.ok('apply', '-f', await deployment(ns, 60, {}));
    await waitFor('some pods created', async () => (await pods(ns)).length > 0, {
      timeoutMs: 20_000,
      intervalMs: 20,
    });
    await cluster.ok('delete', 'deployment', 'web', '-n', ns, '--wait=false');
    // The GC must also collect pods created after their ReplicaSet was removed (dangling ownerReferences).
    await waitFor('no pods left', async () => (await pods(ns)).length === 0, {
      timeoutMs: 30_000,
      intervalMs: 500,
    });
  }, 60_000);
});
