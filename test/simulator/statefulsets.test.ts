import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LivingCluster, startLivingCluster, tableRows } from '../support/living-cluster.js';
import { waitFor } from '../support/wait-for.js';
import { type RecordedEvent, WatchRecorder } from '../support/watch-recorder.js';

/**
 * StatefulSets in the living cluster, through the real kubectl: ordered creation, ControllerRevisions, scaling
 * down from the highest ordinal, rolling restarts, history and undo. Watches record the order in which the pods
 * changed, so "db-1 only after db-0 is Ready" is asserted from the server's own event order.
 */
let cluster: LivingCluster;

beforeAll(async () => {
  cluster = await startLivingCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

interface Pod {
  metadata: {
    name: string;
    uid: string;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
  };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

interface StatefulSet {
  metadata: { generation?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    currentReplicas?: number;
    updatedReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
}

interface Revision {
  metadata: { name: string; ownerReferences?: { kind: string; name: string; controller?: boolean }[] };
  revision: number;
}

const HASH = 'controller-revision-hash';

const readyAndRunning = (pod: Pod) =>
  !pod.metadata.deletionTimestamp &&
  pod.status?.phase === 'Running' &&
  pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

async function pods(ns: string): Promise<Pod[]> {
  return (await cluster.getJson<{ items: Pod[] }>(`/api/v1/namespaces/${ns}/pods`)).items;
}

async function sts(ns: string): Promise<StatefulSet> {
  return cluster.getJson<StatefulSet>(`/apis/apps/v1/namespaces/${ns}/statefulsets/db`);
}

async function revisions(ns: string): Promise<Revision[]> {
  const list = await cluster.getJson<{ items: Revision[] }>(
    `/apis/apps/v1/namespaces/${ns}/controllerrevisions`,
  );
  return list.items.sort((a, b) => a.revision - b.revision);
}

/** Exactly these pods, all Running and Ready (none terminating), optionally all with one revision hash. */
async function settled(ns: string, names: string[], hash?: string, timeoutMs = 60_000): Promise<Pod[]> {
  return waitFor(
    `pods ${names.join(', ')} Running and Ready in ${ns}${hash ? ` at ${hash}` : ''}`,
    async () => {
      const all = await pods(ns);
      const ok =
        all.length === names.length &&
        all.every(readyAndRunning) &&
        names.every((n) => all.some((p) => p.metadata.name === n)) &&
        (hash === undefined || all.every((p) => p.metadata.labels?.[HASH] === hash));
      return ok && all;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

/** Creates namespace `ns`, starts recording its pod events, and applies StatefulSet db (3 replicas, or `extra`). */
async function applyDb(ns: string, extra: Record<string, unknown> = {}): Promise<WatchRecorder<Pod>> {
  await cluster.ok('create', 'namespace', ns);
  const watch = await WatchRecorder.start<Pod>(cluster.rest, `/api/v1/namespaces/${ns}/pods`);
  const file = await cluster.manifest(`${ns}-db.yaml`, {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: ns },
    spec: {
      replicas: 3,
      serviceName: 'db',
      ...extra,
      selector: { matchLabels: { app: 'db' } },
      template: {
        metadata: { labels: { app: 'db' } },
        spec: { containers: [{ name: 'postgres', image: 'postgres:16' }] },
      },
    },
  });
  expect(await cluster.ok('apply', '-f', file)).toMatch(/statefulset.apps\/db created/);
  return watch;
}

const named = (name: string) => (e: RecordedEvent<Pod>) => e.object.metadata.name === name;
const readyEvent = (name: string) => (e: RecordedEvent<Pod>) =>
  named(name)(e) && e.type !== 'DELETED' && readyAndRunning(e.object);
const addedEvent = (name: string) => (e: RecordedEvent<Pod>) => named(name)(e) && e.type === 'ADDED';
const terminatingEvent = (name: string, uid?: string) => (e: RecordedEvent<Pod>) =>
  named(name)(e) &&
  (uid === undefined || e.object.metadata.uid === uid) &&
  e.object.metadata.deletionTimestamp !== undefined;
const deletedEvent = (name: string) => (e: RecordedEvent<Pod>) => named(name)(e) && e.type === 'DELETED';

function historyRevisions(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => /^\d+\s/.test(l))
    .map((l) => l.split(/\s+/)[0] as string);
}

describe('StatefulSets through the real kubectl', () => {
  it.concurrent('creates db-0, db-1, db-2 in order, each only after the one before is Running and Ready; scales down from the highest ordinal', async () => {
    const ns = 'sts-order';
    const watch = await applyDb(ns);
    try {
      const running = await settled(ns, ['db-0', 'db-1', 'db-2']);
      const readyDb0 = watch.indexOf(readyEvent('db-0'));
      const readyDb1 = watch.indexOf(readyEvent('db-1'));
      expect(watch.indexOf(addedEvent('db-0'))).toBe(0);
      expect(readyDb0).toBeGreaterThan(0);
      expect(watch.indexOf(addedEvent('db-1'))).toBeGreaterThan(readyDb0);
      expect(readyDb1).toBeGreaterThan(watch.indexOf(addedEvent('db-1')));
      expect(watch.indexOf(addedEvent('db-2'))).toBeGreaterThan(readyDb1);

      const [revision, ...others] = await revisions(ns);
      expect(others).toEqual([]);
      expect(revision?.revision).toBe(1);
      expect(revision?.metadata.ownerReferences?.[0]).toMatchObject({
        kind: 'StatefulSet',
        name: 'db',
        controller: true,
      });
      for (const pod of running) {
        const index = pod.metadata.name.slice('db-'.length);
        expect(pod.metadata.labels).toMatchObject({
          app: 'db',
          [HASH]: revision?.metadata.name,
          'statefulset.kubernetes.io/pod-name': pod.metadata.name,
          'apps.kubernetes.io/pod-index': index,
        });
      }
      const crRows = tableRows(await cluster.ok('get', 'controllerrevisions', '-n', ns));
      expect(crRows).toEqual([[revision?.metadata.name, 'statefulset.apps/db', '1', expect.any(String)]]);

      expect(await cluster.ok('rollout', 'status', 'sts/db', '-n', ns, '--timeout=30s')).toMatch(
        /partitioned roll out complete: 3 new pods have been updated/,
      );
      const status = (await sts(ns)).status;
      expect(status).toMatchObject({
        replicas: 3,
        readyReplicas: 3,
        currentReplicas: 3,
        updatedReplicas: 3,
        currentRevision: revision?.metadata.name,
        updateRevision: revision?.metadata.name,
      });
      const stsRow = tableRows(await cluster.ok('get', 'sts', '-n', ns))[0];
      expect(stsRow?.slice(0, 2)).toEqual(['db', '3/3']);

      expect(await cluster.ok('scale', 'sts', 'db', '--replicas=1', '-n', ns)).toMatch(/scaled/);
      await settled(ns, ['db-0']);
      // Highest ordinal first, and db-1 is only touched once db-2 is gone.
      const db2Terminating = watch.indexOf(terminatingEvent('db-2'));
      const db2Gone = watch.indexOf(deletedEvent('db-2'));
      const db1Terminating = watch.indexOf(terminatingEvent('db-1'));
      expect(db2Terminating).toBeGreaterThan(0);
      expect(db2Gone).toBeGreaterThan(db2Terminating);
      expect(db1Terminating).toBeGreaterThan(db2Gone);
      expect(watch.indexOf(terminatingEvent('db-0'))).toBe(-1);
      await waitFor(
        'StatefulSet status to show 1 replica',
        async () => {
          const s = (await sts(ns)).status;
          return s?.replicas === 1 && s.readyReplicas === 1 && s.currentReplicas === 1;
        },
        { timeoutMs: 10_000, intervalMs: 200 },
      );
    } finally {
      await watch.stop();
    }
  }, 120_000);

  it.concurrent('rolls a restart out from the highest ordinal, lists the history, and undoes it to the re-numbered old revision', async () => {
    const ns = 'sts-rollout';
    const watch = await applyDb(ns);
    try {
      const original = await settled(ns, ['db-0', 'db-1', 'db-2']);
      const [first] = await revisions(ns);
      const firstHash = first?.metadata.name as string;
      const uidOf = new Map(original.map((p) => [p.metadata.name, p.metadata.uid]));

      expect(await cluster.ok('rollout', 'restart', 'sts/db', '-n', ns)).toMatch(/restarted/);
      const second = await waitFor(
        'revision 2',
        async () => (await revisions(ns)).find((r) => r.revision === 2),
        { timeoutMs: 10_000, intervalMs: 200 },
      );
      const secondHash = second.metadata.name;
      expect(secondHash).not.toBe(firstHash);
      // The apiserver defaults rollingUpdate.partition to 0, so kubectl reports a partitioned roll out.
      expect(await cluster.ok('rollout', 'status', 'sts/db', '-n', ns, '--timeout=90s')).toMatch(
        /partitioned roll out complete: 3 new pods have been updated/,
      );
      const rolled = await settled(ns, ['db-0', 'db-1', 'db-2'], secondHash);
      for (const pod of rolled) expect(pod.metadata.uid).not.toBe(uidOf.get(pod.metadata.name));
      // Highest ordinal first, each replaced pod Ready at the new revision before the next one goes.
      const gone = ['db-2', 'db-1', 'db-0'].map((n) => watch.indexOf(terminatingEvent(n, uidOf.get(n))));
      const readyNew = (name: string) =>
        watch.indexOf((e) => readyEvent(name)(e) && e.object.metadata.labels?.[HASH] === secondHash);
      expect(gone[0]).toBeGreaterThan(0);
      expect(gone[1]).toBeGreaterThan(readyNew('db-2'));
      expect(gone[2]).toBeGreaterThan(readyNew('db-1'));
      expect(readyNew('db-2')).toBeGreaterThan(gone[0] as number);
      const afterRestart = (await sts(ns)).status;
      expect(afterRestart?.currentRevision).toBe(secondHash);
      expect(afterRestart?.updateRevision).toBe(secondHash);
      expect(afterRestart).toMatchObject({ currentReplicas: 3, updatedReplicas: 3, readyReplicas: 3 });

      const history = await cluster.ok('rollout', 'history', 'sts/db', '-n', ns);
      expect(history).toMatch(/REVISION\s+CHANGE-CAUSE/);
      expect(historyRevisions(history)).toEqual(['1', '2']);

      expect(await cluster.ok('rollout', 'undo', 'sts/db', '-n', ns)).toMatch(/rolled back/);
      await cluster.ok('rollout', 'status', 'sts/db', '-n', ns, '--timeout=90s');
      await settled(ns, ['db-0', 'db-1', 'db-2'], firstHash);
      const after = await revisions(ns);
      // No third ControllerRevision: the first one is re-numbered to 3.
      expect(after.map((r) => [r.metadata.name, r.revision])).toEqual([
        [secondHash, 2],
        [firstHash, 3],
      ]);
      expect(historyRevisions(await cluster.ok('rollout', 'history', 'sts/db', '-n', ns))).toEqual([
        '2',
        '3',
      ]);
      const undone = (await sts(ns)).status;
      expect(undone).toMatchObject({
        currentRevision: firstHash,
        updateRevision: firstHash,
        currentReplicas: 3,
        updatedReplicas: 3,
      });
    } finally {
      await watch.stop();
    }
  }, 240_000);

  it.concurrent('recreates a deleted pod under the same name with a new uid', async () => {
    const ns = 'sts-recreate';
    const watch = await applyDb(ns);
    try {
      const before = await settled(ns, ['db-0', 'db-1', 'db-2']);
      const oldUid = before.find((p) => p.metadata.name === 'db-0')?.metadata.uid;
      // kubectl delete waits until the pod is gone, which takes the kubelet stopping its containers.
      expect(await cluster.ok('delete', 'pod', 'db-0', '-n', ns)).toMatch(/pod "db-0" deleted/);
      const gone = watch.indexOf((e) => deletedEvent('db-0')(e) && e.object.metadata.uid === oldUid);
      expect(gone).toBeGreaterThan(0);
      const terminating = watch.events.find(
        (e) => terminatingEvent('db-0', oldUid)(e) && e.type === 'MODIFIED',
      );
      expect(terminating?.object.metadata.deletionGracePeriodSeconds).toBe(30);
      const after = await settled(ns, ['db-0', 'db-1', 'db-2']);
      const fresh = after.find((p) => p.metadata.name === 'db-0');
      expect(fresh?.metadata.uid).toBeDefined();
      expect(fresh?.metadata.uid).not.toBe(oldUid);
      expect(fresh?.metadata.labels?.['apps.kubernetes.io/pod-index']).toBe('0');
    } finally {
      await watch.stop();
    }
  }, 120_000);
  it.concurrent('keeps revisionHistoryLimit old ControllerRevisions besides the live one', async () => {
    const ns = 'sts-history-limit';
    const watch = await applyDb(ns, { replicas: 1, revisionHistoryLimit: 1 });
    try {
      await settled(ns, ['db-0']);
      const names: string[] = [(await revisions(ns))[0]?.metadata.name as string];
      for (const revision of [2, 3]) {
        await cluster.ok('rollout', 'restart', 'sts/db', '-n', ns);
        const latest = await waitFor(
          `revision ${revision}`,
          async () => (await revisions(ns)).find((r) => r.revision === revision),
          { timeoutMs: 10_000, intervalMs: 200 },
        );
        names.push(latest.metadata.name);
        await cluster.ok('rollout', 'status', 'sts/db', '-n', ns, '--timeout=60s');
        await settled(ns, ['db-0'], latest.metadata.name);
      }
      const kept = await waitFor(
        'the oldest revision to be deleted',
        async () => {
          const all = await revisions(ns);
          return all.length === 2 && all;
        },
        { timeoutMs: 10_000, intervalMs: 200 },
      );
      expect(kept.map((r) => [r.metadata.name, r.revision])).toEqual([
        [names[1], 2],
        [names[2], 3],
      ]);
      expect(historyRevisions(await cluster.ok('rollout', 'history', 'sts/db', '-n', ns))).toEqual([
        '2',
        '3',
      ]);
    } finally {
      await watch.stop();
    }
  }, 120_000);
});
