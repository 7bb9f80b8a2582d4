import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeWorkloadActions } from '../../src/actions/kube-workload-actions.js';
import { LeadershipLostError } from '../../src/actions/leadership-lost-error.js';
import type { ActionContext, WorkloadActions, WorkloadRef } from '../../src/actions/workload-actions.js';
import { type LivingCluster, startLivingCluster } from '../support/living-cluster.js';
import { waitFor } from '../support/wait-for.js';
import {
  createDeployment,
  deployment,
  fenced,
  pods,
  RecordingRest,
  readyPods,
  rolledOut,
} from './action-fixtures.js';

/**
 * The leadership fence: every mutating request is immediately preceded by ctx.fence() and a signal check, and a
 * fence that throws or an aborted term means no request at all. The requests are the real ones, recorded on
 * their way to the sandbox.
 */
let cluster: LivingCluster;

/** One Deployment per action, each with two revisions so that rollback has something to do. */
async function workload(ns: string): Promise<WorkloadRef> {
  const target = await createDeployment(cluster, ns, { replicas: 2 });
  await rolledOut(cluster, ns);
  await cluster.ok('set', 'image', 'deployment/web', 'nginx=nginx:1.27', '-n', ns);
  await rolledOut(cluster, ns);
  return target;
}

type Run = (actions: WorkloadActions, ctx: ActionContext) => Promise<unknown>;
type Prepare = () => Promise<{ ns: string; run: Run }>;

const targets = new Map<string, WorkloadRef>();
const settledTarget = async (ns: string) => {
  const target = targets.get(ns);
  if (!target) throw new Error(`no workload in ${ns}`);
  await rolledOut(cluster, ns);
  await readyPods(cluster, ns, (await deployment(cluster, ns)).spec.replicas);
  return target;
};

const runs: [string, Prepare][] = [
  [
    'evictPod',
    async () => {
      const ns = 'fence-evict';
      await settledTarget(ns);
      const [pod] = await pods(cluster, ns);
      const ref = { namespace: ns, name: pod?.metadata.name as string, uid: pod?.metadata.uid as string };
      return { ns, run: (a, ctx) => a.evictPod(ctx, ref) };
    },
  ],
  [
    'rolloutRestart',
    async () => {
      const ns = 'fence-restart';
      const target = await settledTarget(ns);
      return { ns, run: (a, ctx) => a.rolloutRestart(ctx, target, new Date().toISOString()) };
    },
  ],
  [
    'scale',
    async () => {
      const ns = 'fence-scale';
      const target = await settledTarget(ns);
      const replicas = (await deployment(cluster, ns)).spec.replicas === 2 ? 3 : 2;
      return { ns, run: (a, ctx) => a.scale(ctx, target, replicas) };
    },
  ],
  [
    'rollback',
    async () => {
      const ns = 'fence-rollback';
      const target = await settledTarget(ns);
      return { ns, run: (a, ctx) => a.rollback(ctx, target) };
    },
  ],
];

beforeAll(async () => {
  cluster = await startLivingCluster();
  await Promise.all(
    ['fence-evict', 'fence-restart', 'fence-scale', 'fence-rollback'].map(async (ns) =>
      targets.set(ns, await workload(ns)),
    ),
  );
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
});

/** What a refused action must leave unchanged: the Deployment's spec and annotations, and the pods. */
async function snapshot(ns: string) {
  const d = await deployment(cluster, ns);
  const all = await pods(cluster, ns);
  return {
    generation: d.metadata.generation,
    annotations: d.metadata.annotations,
    pods: all.map((p) => `${p.metadata.uid}:${p.metadata.deletionTimestamp ?? ''}`).sort(),
  };
}

describe('the leadership fence', () => {
  it.each(runs)(
    '%s calls fence() immediately before each mutating request',
    async (_name, prepare) => {
      const { run } = await prepare();
      const rest = new RecordingRest(cluster.sandbox.kubeConfig());
      const outcome = await run(new KubeWorkloadActions(rest), rest.context());
      expect(outcome, JSON.stringify(outcome)).toMatchObject({ result: 'done' });
      const writes = rest.log.flatMap((entry, i) =>
        entry === 'fence' || entry.startsWith('GET ') ? [] : [i],
      );
      expect(writes.length).toBeGreaterThan(0);
      for (const i of writes) expect(rest.log[i - 1]).toBe('fence');
      expect(rest.log.filter((e) => e === 'fence')).toHaveLength(writes.length);
    },
    90_000,
  );

  it.each(runs)(
    '%s sends no request when fence() throws, and changes nothing',
    async (_name, prepare) => {
      const { ns, run } = await prepare();
      const rest = new RecordingRest(cluster.sandbox.kubeConfig());
      const before = await snapshot(ns);
      await expect(run(new KubeWorkloadActions(rest), fenced())).rejects.toBeInstanceOf(LeadershipLostError);
      expect(rest.writes()).toEqual([]);
      expect(await snapshot(ns)).toEqual(before);
    },
    90_000,
  );

  it.each(runs)(
    '%s sends no request once the term is aborted, and changes nothing',
    async (_name, prepare) => {
      const { ns, run } = await prepare();
      const rest = new RecordingRest(cluster.sandbox.kubeConfig());
      const term = new AbortController();
      // The term ends after the action's reads, just before its write: the guard must still refuse.
      rest.beforeSend = async (req) => {
        if (req.method === 'GET') return;
        throw new Error(`a ${req.method} reached the client after the term ended`);
      };
      const ctx: ActionContext = { signal: term.signal, fence: () => term.abort() };
      const before = await snapshot(ns);
      await expect(run(new KubeWorkloadActions(rest), ctx)).rejects.toBeInstanceOf(LeadershipLostError);
      expect(rest.writes()).toEqual([]);
      expect(await snapshot(ns)).toEqual(before);
    },
    90_000,
  );

  it('an already aborted term stops the action before any request', async () => {
    const ns = 'fence-scale';
    const target = await settledTarget(ns);
    const rest = new RecordingRest(cluster.sandbox.kubeConfig());
    const term = new AbortController();
    term.abort();
    await expect(
      new KubeWorkloadActions(rest).scale({ signal: term.signal, fence() {} }, target, 5),
    ).rejects.toThrow();
    expect(rest.writes()).toEqual([]);
    await waitFor('spec unchanged', async () => (await deployment(cluster, ns)).spec.replicas !== 5);
  });

  it('a term that ends while a write is in flight is LeadershipLost, to be reconciled by observing', async () => {
    const ns = 'fence-scale';
    const target = await settledTarget(ns);
    const replicas = (await deployment(cluster, ns)).spec.replicas;
    const rest = new RecordingRest(cluster.sandbox.kubeConfig());
    const term = new AbortController();
    rest.beforeSend = async (req) => {
      if (req.method !== 'GET') term.abort();
    };
    const outcome = new KubeWorkloadActions(rest).scale(
      { signal: term.signal, fence() {} },
      target,
      replicas + 1,
    );
    await expect(outcome).rejects.toBeInstanceOf(LeadershipLostError);
    await expect(outcome).rejects.toThrow(/may have been applied/);
  });
});
