import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isReady,
  type LivingCluster,
  type PodView,
  restarts,
  startLivingCluster,
  tableRows,
} from '../support/living-cluster.js';
import { waitFor } from '../support/wait-for.js';

/**
 * The living cluster as a user meets it: the real kubectl against the sandbox with the simulated control plane.
 * Each scenario runs in its own namespace, concurrently, so their waits overlap.
 */
let cluster: LivingCluster;

beforeAll(async () => {
  cluster = await startLivingCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

const B = 'sandbox.coordination-engine.io';

async function pods(ns: string, selector = ''): Promise<PodView[]> {
  const list = await cluster.getJson<{ items: PodView[] }>(
    `/api/v1/namespaces/${ns}/pods${selector ? `?labelSelector=${encodeURIComponent(selector)}` : ''}`,
  );
  return list.items;
}

async function createWeb(ns: string, replicas = 3, annotations: Record<string, string> = {}) {
  await cluster.ok('create', 'namespace', ns);
  const file = await cluster.manifest(`${ns}-web.yaml`, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: ns, annotations },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'nginx',
              resources: { limits: { cpu: '1', memory: '256Mi' }, requests: { cpu: '50m', memory: '64Mi' } },
            },
          ],
        },
      },
    },
  });
  await cluster.ok('apply', '-f', file);
}

async function readyPods(ns: string, count: number, timeoutMs = 30_000): Promise<PodView[]> {
  return waitFor(
    `${count} Running and Ready pods in ${ns}`,
    async () => {
      const live = (await pods(ns)).filter((p) => !p.metadata.deletionTimestamp);
      return live.length === count && live.every((p) => p.status.phase === 'Running' && isReady(p)) && live;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

describe('workloads that live, through the real kubectl', () => {
  it.concurrent('runs a Deployment as 3 Running pods on nodes, and rollout status succeeds', async () => {
    const ns = 'live-basic';
    await cluster.ok('create', 'namespace', ns);
    await cluster.ok('create', 'deployment', 'web', '--image=nginx', '--replicas=3', '-n', ns);
    const running = await readyPods(ns, 3);
    expect(new Set(running.map((p) => p.spec.nodeName)).size).toBeGreaterThan(1);
    const rows = tableRows(await cluster.ok('get', 'pods', '-n', ns, '-o', 'wide'));
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row[0]).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{6,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(row.slice(1, 4)).toEqual(['1/1', 'Running', '0']);
      expect(row[6]).toMatch(/^worker-\d$/);
    }
    expect(await cluster.ok('rollout', 'status', 'deployment/web', '-n', ns, '--timeout=30s')).toMatch(
      /successfully rolled out/,
    );
    const rs = tableRows(await cluster.ok('get', 'rs', '-n', ns));
    expect(rs).toHaveLength(1);
    expect(rs[0]?.slice(1, 4)).toEqual(['3', '3', '3']);
    // The control plane's Events tell the story, as in a cluster.
    const events = await waitFor(
      'Scheduled, Started, SuccessfulCreate and ScalingReplicaSet Events',
      async () => {
        const rows = tableRows(await cluster.ok('get', 'events', '-n', ns));
        const reasons = new Set(rows.map((r) => r[2]));
        return (
          ['Scheduled', 'Started', 'SuccessfulCreate', 'ScalingReplicaSet'].every((x) => reasons.has(x)) &&
          rows
        );
      },
      { timeoutMs: 10_000, intervalMs: 250 },
    );
    expect(events.find((r) => r[2] === 'ScalingReplicaSet')?.slice(1, 5)).toEqual([
      'Normal',
      'ScalingReplicaSet',
      'deployment/web',
      `Scaled up replica set ${rs[0]?.[0]} to 3 from 0`,
    ]);
  });

  it.concurrent('crash-loops on demand with climbing restarts and CrashLoopBackOff, and a rollout restart cures it for good', async () => {
    const ns = 'live-crashloop';
    await createWeb(ns);
    await readyPods(ns, 3);
    await cluster.ok(
      'annotate',
      'deployment',
      'web',
      '-n',
      ns,
      `${B}/behaviour=crashloop`,
      `${B}/recovers-after=rollout-restart`,
    );
    const started = Date.now();
    const table = await waitFor(
      'restarts of 2 or more and CrashLoopBackOff in kubectl get pods',
      async () => {
        const rows = tableRows(await cluster.ok('get', 'pods', '-n', ns));
        const climbing = rows.every((r) => Number.parseInt(r[3] ?? '0', 10) >= 2);
        return climbing && rows.some((r) => r[2] === 'CrashLoopBackOff') && rows;
      },
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(table.every((r) => r[1] === '0/1' || r[1] === '1/1')).toBe(true);
    const crashed = (await pods(ns))[0];
    const backOff = tableRows(await cluster.ok('get', 'events', '-n', ns)).find((r) => r[2] === 'BackOff');
    expect(backOff?.[1]).toBe('Warning');
    expect(backOff?.[4]).toMatch(
      /^Back-off restarting failed container nginx in pod web-\S+_live-crashloop\(/,
    );
    expect(crashed?.status.containerStatuses?.[0]?.lastState.terminated).toMatchObject({
      reason: 'Error',
      exitCode: 1,
    });

    await cluster.ok('rollout', 'restart', 'deployment/web', '-n', ns);
    await cluster.ok('rollout', 'status', 'deployment/web', '-n', ns, '--timeout=60s');
    const cured = await readyPods(ns, 3);
    const uids = cured.map((p) => p.metadata.uid).sort();
    // Well past the 10 s crash interval: still Ready, same pods, no restart.
    const after = Date.now() + 15_000;
    await waitFor('15 s to pass', () => Date.now() > after, { timeoutMs: 20_000, intervalMs: 500 });
    const later = await readyPods(ns, 3, 1_000);
    expect(later.map((p) => p.metadata.uid).sort()).toEqual(uids);
    expect(later.map(restarts)).toEqual([0, 0, 0]);
  }, 150_000);

  it.concurrent('cures a bad rollout with kubectl rollout undo, bringing back the previous ReplicaSet', async () => {
    const ns = 'live-rollback';
    // The revision that exists when the annotation is set keeps working; the next rollout is the bad one.
    await createWeb(ns, 3, { [`${B}/behaviour`]: 'bad-rollout' });
    await readyPods(ns, 3);
    const before = tableRows(await cluster.ok('get', 'rs', '-n', ns));
    expect(before).toHaveLength(1);
    const goodRs = before[0]?.[0] as string;
    await cluster.ok('set', 'image', 'deployment/web', 'nginx=nginx:1.27', '-n', ns);
    await waitFor(
      'the new revision crash-looping while the old pods keep serving',
      async () => {
        const all = await pods(ns);
        const fresh = all.filter((p) => !p.metadata.name.startsWith(`${goodRs}-`));
        const old = all.filter((p) => p.metadata.name.startsWith(`${goodRs}-`) && isReady(p));
        return fresh.length > 0 && fresh.every((p) => restarts(p) >= 1) && old.length >= 2;
      },
      { timeoutMs: 45_000, intervalMs: 500 },
    );
    const stuck = await cluster.kubectl('rollout', 'status', 'deployment/web', '-n', ns, '--timeout=2s');
    expect(stuck.code).not.toBe(0);

    expect(await cluster.ok('rollout', 'undo', 'deployment/web', '-n', ns)).toMatch(/rolled back/);
    await cluster.ok('rollout', 'status', 'deployment/web', '-n', ns, '--timeout=60s');
    const after = await readyPods(ns, 3);
    expect(after.every((p) => p.metadata.name.startsWith(`${goodRs}-`))).toBe(true);
    expect(after.map((p) => p.spec.containers[0]?.image)).toEqual(['nginx', 'nginx', 'nginx']);
    const rsRows = tableRows(await cluster.ok('get', 'rs', '-n', ns));
    const good = rsRows.find((r) => r[0] === goodRs);
    expect(good?.slice(1, 4)).toEqual(['3', '3', '3']);
    const history = await cluster.ok('rollout', 'history', 'deployment/web', '-n', ns);
    expect(history).toMatch(/REVISION\s+CHANGE-CAUSE/);
    const revisions = history
      .split('\n')
      .filter((l) => /^\d+\s/.test(l))
      .map((l) => l.split(/\s+/)[0]);
    expect(revisions).toEqual(['2', '3']);
  }, 150_000);

  it.concurrent('reports an annotation it cannot use as a Warning Event naming it, and keeps the pods healthy', async () => {
    const ns = 'live-bad-annotation';
    await createWeb(ns, 1);
    await readyPods(ns, 1);
    await cluster.ok('annotate', 'deployment', 'web', '-n', ns, `${B}/behaviour=explode`);
    const line = await waitFor(
      'the InvalidSandboxAnnotation Event in kubectl get events',
      async () =>
        (await cluster.ok('get', 'events', '-n', ns))
          .split('\n')
          .find((l) => l.includes('InvalidSandboxAnnotation')),
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    expect(line).toMatch(
      /Warning\s+InvalidSandboxAnnotation\s+deployment\/web\s+sandbox\.coordination-engine\.io\/behaviour: "explode" is not one of healthy, crashloop/,
    );
    expect((await readyPods(ns, 1)).map(restarts)).toEqual([0]);
  });

  it.concurrent('scales through /scale with kubectl scale, up and down', async () => {
    const ns = 'live-scale';
    await createWeb(ns, 2);
    await readyPods(ns, 2);
    await cluster.ok('scale', 'deployment', 'web', '--replicas=5', '-n', ns);
    await readyPods(ns, 5);
    await cluster.ok('scale', 'deployment', 'web', '--replicas=1', '-n', ns);
    await readyPods(ns, 1);
    const rs = tableRows(await cluster.ok('get', 'rs', '-n', ns));
    expect(rs.map((r) => r.slice(1, 4))).toEqual([['1', '1', '1']]);
  });

  it.concurrent('cures by restart: a deleted crash-looping pod comes back healthy, the others keep crashing', async () => {
    const ns = 'live-restart-cure';
    await createWeb(ns, 2, { [`${B}/behaviour`]: 'crashloop', [`${B}/crash-after`]: '3s' });
    const crashing = await waitFor(
      'both pods restarting',
      async () => {
        const all = await pods(ns);
        return all.length === 2 && all.every((p) => restarts(p) >= 1) && all;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const [victim, other] = crashing as [PodView, PodView];
    await cluster.ok('delete', 'pod', victim.metadata.name, '-n', ns);
    const replacement = await waitFor(
      'a replacement Ready for longer than the crash interval',
      async () => {
        const fresh = (await pods(ns)).find(
          (p) => p.metadata.uid !== victim.metadata.uid && p.metadata.uid !== other.metadata.uid,
        );
        return fresh && isReady(fresh) && fresh;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const later = Date.now() + 8_000;
    await waitFor('8 s (well past crash-after)', () => Date.now() > later, {
      timeoutMs: 10_000,
      intervalMs: 250,
    });
    const now = await pods(ns);
    const fresh = now.find((p) => p.metadata.uid === replacement.metadata.uid);
    expect(fresh && restarts(fresh)).toBe(0);
    // The pod that was not restarted is not cured: it restarts again (within its back-off).
    await waitFor(
      'the other pod restarting again',
      async () => {
        const sick = (await pods(ns)).find((p) => p.metadata.uid === other.metadata.uid);
        return sick && restarts(sick) > restarts(other);
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  }, 90_000);

  it.concurrent('brings the trouble back after a restart that is not the cure', async () => {
    const ns = 'live-not-the-cure';
    await createWeb(ns, 1, {
      [`${B}/behaviour`]: 'crashloop',
      [`${B}/crash-after`]: '3s',
      [`${B}/recovers-after`]: 'rollout-restart',
    });
    const [first] = await waitFor(
      'the pod restarting',
      async () => {
        const all = await pods(ns);
        return all.length === 1 && restarts(all[0] as PodView) >= 1 && all;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    await cluster.ok('delete', 'pod', (first as PodView).metadata.name, '-n', ns);
    const replacement = await waitFor(
      'the replacement Ready, then crashing again',
      async () => {
        const all = (await pods(ns)).filter((p) => p.metadata.uid !== (first as PodView).metadata.uid);
        return all.length === 1 && restarts(all[0] as PodView) >= 1 && all[0];
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(replacement.status.containerStatuses?.[0]?.lastState.terminated?.reason).toBe('Error');
  }, 90_000);

  it.concurrent('cures cpu-saturation by scaling up: every pod calms down', async () => {
    const ns = 'live-scale-cure';
    await createWeb(ns, 2, { [`${B}/behaviour`]: 'cpu-saturation', [`${B}/onset`]: '0s' });
    await readyPods(ns, 2);
    const hot = () =>
      cluster.simulator.kubelets.pods.size > 0 &&
      [...cluster.simulator.kubelets.pods.values()]
        .filter((p) => p.id.namespace === ns)
        .map((p) => [...p.containers.values()][0]?.cpuRate(Date.now() / 1000) ?? 0);
    await waitFor('both pods at their CPU limit', () => {
      const rates = hot();
      return rates && rates.length === 2 && rates.every((r) => r > 0.95) && rates;
    });
    await cluster.ok('scale', 'deployment', 'web', '--replicas=3', '-n', ns);
    await readyPods(ns, 3);
    const calm = await waitFor('all three pods well under the limit', () => {
      const rates = hot();
      return rates && rates.length === 3 && rates.every((r) => r < 0.5) && rates;
    });
    expect(calm).toHaveLength(3);
  });

  it.concurrent('garbage-collects ReplicaSets and Pods when their Deployment is deleted', async () => {
    const ns = 'live-gc';
    await createWeb(ns, 2);
    await readyPods(ns, 2);
    await cluster.ok('delete', 'deployment', 'web', '-n', ns);
    await waitFor(
      'no ReplicaSets and no Pods left',
      async () => {
        const rs = await cluster.getJson<{ items: unknown[] }>(`/apis/apps/v1/namespaces/${ns}/replicasets`);
        return rs.items.length === 0 && (await pods(ns)).length === 0;
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
  });
});
