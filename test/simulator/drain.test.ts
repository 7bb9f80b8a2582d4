import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isReady,
  type LivingCluster,
  type PodView,
  startLivingCluster,
  tableRows,
} from '../support/living-cluster.js';
import { waitFor } from '../support/wait-for.js';

/**
 * `kubectl drain` end to end: cordon (spec.unschedulable, which the scheduler honours), evictions through the
 * Eviction API that a PodDisruptionBudget refuses until replacements are Ready elsewhere, and uncordon.
 * Its own two-node cluster, since a drain affects every pod on the node.
 */
let cluster: LivingCluster;

beforeAll(async () => {
  cluster = await startLivingCluster({ nodes: { count: 2 } });
});
afterAll(async () => {
  await cluster?.stop();
});

async function pods(ns: string): Promise<PodView[]> {
  return (await cluster.getJson<{ items: PodView[] }>(`/api/v1/namespaces/${ns}/pods`)).items;
}

async function readyPods(ns: string, count: number): Promise<PodView[]> {
  return waitFor(
    `${count} Running and Ready pods in ${ns}`,
    async () => {
      const all = await pods(ns);
      return (
        all.length === count &&
        all.every((p) => !p.metadata.deletionTimestamp && p.status.phase === 'Running' && isReady(p)) &&
        all
      );
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
}

describe('kubectl drain', () => {
  it('cordons the node and evicts its pods one disruption at a time, waiting on the budget; uncordon undoes the cordon', async () => {
    const ns = 'drain';
    await cluster.ok('create', 'namespace', ns);
    await cluster.ok('create', 'deployment', 'web', '--image=nginx', '--replicas=4', '-n', ns);
    const before = await readyPods(ns, 4);
    const onFirst = before.filter((p) => p.spec.nodeName === 'worker-1');
    // The scheduler spreads 4 pods over 2 nodes: 2 each, so the second eviction has to wait for the budget.
    expect(onFirst).toHaveLength(2);
    await cluster.ok('create', 'pdb', 'web', '--selector=app=web', '--min-available=3', '-n', ns);
    await waitFor(
      'the budget to allow one disruption',
      async () => {
        const pdb = await cluster.getJson<{
          status?: { disruptionsAllowed?: number; observedGeneration?: number };
        }>(`/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/web`);
        return pdb.status?.observedGeneration === 1 && pdb.status.disruptionsAllowed === 1;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );

    const drained = await cluster.kubectl(
      'drain',
      'worker-1',
      '--ignore-daemonsets',
      '--delete-emptydir-data',
      '--timeout=90s',
    );
    expect(drained.stderr).not.toMatch(/error: /);
    expect(drained.code).toBe(0);
    const output = drained.stdout + drained.stderr;
    expect(output).toMatch(/node\/worker-1 cordoned/);
    expect(output).toMatch(
      /error when evicting pods\/"web-[^"]+" -n "drain" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./,
    );
    for (const pod of onFirst) expect(output).toContain(`pod/${pod.metadata.name} evicted`);
    expect(output).toMatch(/node\/worker-1 drained/);

    const after = await readyPods(ns, 4);
    expect(after.every((p) => p.spec.nodeName === 'worker-2')).toBe(true);
    const nodes = tableRows(await cluster.ok('get', 'nodes'));
    expect(nodes.find((r) => r[0] === 'worker-1')?.[1]).toBe('Ready,SchedulingDisabled');
    expect(nodes.find((r) => r[0] === 'worker-2')?.[1]).toBe('Ready');

    expect(await cluster.ok('uncordon', 'worker-1')).toMatch(/node\/worker-1 uncordoned/);
    const node = await cluster.getJson<{ spec: { unschedulable?: boolean } }>('/api/v1/nodes/worker-1');
    expect(node.spec.unschedulable).toBeUndefined();
  }, 150_000);
});
