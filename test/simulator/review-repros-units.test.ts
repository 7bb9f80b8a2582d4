import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultParams } from '../../src/simulator/behaviour-spec.js';
import { deploymentStatus } from '../../src/simulator/deployment-rollout.js';
import { ContainerLoad } from '../../src/simulator/load-profile.js';
import { type LivingCluster, startLivingCluster } from '../support/living-cluster.js';
import { waitFor } from '../support/wait-for.js';

/** Review of issue 8: repros that need no kubectl. They fail until the bug they name is fixed. */
describe('review repros without kubectl (issue 8)', () => {
  it('memory never exceeds the limit without an OOM kill, whatever memory-baseline (< 1) says', () => {
    const limit = 256 * 1024 * 1024;
    const params = { ...defaultParams('healthy'), memoryBaseline: 0.99 };
    const load = new ContainerLoad(42, { cpuLimit: 1, memoryLimit: limit }, params, 4);
    let peak = 0;
    for (let t = 0; t < 3_600; t += 5) peak = Math.max(peak, load.memory('steady', t, 0));
    // The wobble (±3 %) on a 0.99 baseline reaches ~102 % of the limit: above the limit, yet no OOMKilled.
    expect(peak).toBeLessThanOrEqual(limit);
  });

  it('unavailableReplicas is the sum of the ReplicaSets spec.replicas minus available (calculateStatus)', () => {
    // Mid-rollout: 3 desired, old RS 3/3 available, new RS (surge) 1 not yet available.
    const status = deploymentStatus({
      replicas: 3,
      unavailableBudget: 0,
      generation: 2,
      newRs: { name: 'web-new', replicas: 1, current: 1, ready: 0, available: 0, createdMs: 2 },
      all: [
        { name: 'web-old', replicas: 3, current: 3, ready: 3, available: 3, createdMs: 1 },
        { name: 'web-new', replicas: 1, current: 1, ready: 0, available: 0, createdMs: 2 },
      ],
      previous: {
        updatedReplicas: 0,
        readyReplicas: 3,
        availableReplicas: 3,
        oldReplicas: 3,
        conditions: [],
      },
      progressDeadlineSeconds: 600,
      paused: false,
      newRsEvent: 'created',
      nowIso: '2026-01-01T00:00:00Z',
      nowMs: Date.parse('2026-01-01T00:00:00Z'),
    });
    // kubectl describe: "3 desired | 1 updated | 4 total | 3 available | 1 unavailable".
    expect(status.unavailableReplicas).toBe(1);
  });
});

describe('review repros on a living cluster (issue 8)', () => {
  let cluster: LivingCluster;
  const warnings: Error[] = [];
  const onWarning = (w: Error) => {
    if (w.name === 'TimeoutOverflowWarning') warnings.push(w);
  };
  beforeAll(async () => {
    cluster = await startLivingCluster({ nodes: { count: 1, cores: 2 }, exporter: true });
    process.on('warning', onWarning);
  });
  afterAll(async () => {
    process.off('warning', onWarning);
    await cluster?.stop();
  });

  it('a far-away next event (crash-after=24h, the longest allowed) does not turn the kubelet timer into a 1 ms busy loop', async () => {
    await cluster.ok('create', 'namespace', 'rv-far');
    await cluster.ok(
      'run',
      'far',
      '--image=nginx',
      '-n',
      'rv-far',
      '--annotations',
      'sandbox.coordination-engine.io/behaviour=crashloop',
      '--annotations',
      'sandbox.coordination-engine.io/crash-after=24h',
    );
    await waitFor(
      'the pod Ready (its next event is the crash, a day away)',
      async () => {
        const pod = await cluster.getJson<{ status?: { conditions?: { type: string; status: string }[] } }>(
          '/api/v1/namespaces/rv-far/pods/far',
        );
        return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const until = Date.now() + 2_000;
    await waitFor('2 s to pass', () => Date.now() >= until, { timeoutMs: 5_000, intervalMs: 100 });
    // setTimeout clamps delays above 2^31-1 ms to 1 ms: the kubelet re-arms the same far timer every millisecond.
    expect(warnings.length).toBe(0);
  }, 60_000);

  it('a saturated pod without a CPU limit uses one core, and its node never reports more than fully busy', async () => {
    const ns = 'rv-node-cpu';
    await cluster.ok('create', 'namespace', ns);
    await cluster.ok('create', 'deployment', 'hot', '--image=nginx', '--replicas=3', '-n', ns);
    await cluster.ok(
      'annotate',
      'deployment',
      'hot',
      '-n',
      ns,
      'sandbox.coordination-engine.io/behaviour=cpu-saturation',
      'sandbox.coordination-engine.io/onset=0s',
      'sandbox.coordination-engine.io/recovers-after=never',
    );
    const url = `${cluster.simulator.exporter?.url}/metrics`;
    const podCpu = async () => {
      const text = await (await fetch(url)).text();
      return text
        .split('\n')
        .filter(
          (l) =>
            l.startsWith('container_cpu_usage_seconds_total{') &&
            l.includes(`namespace="${ns}"`) &&
            l.includes('container=""'),
        )
        .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
    };
    await waitFor(
      '3 pods with CPU',
      async () => {
        const text = await (await fetch(url)).text();
        return (
          text
            .split('\n')
            .filter(
              (l) =>
                l.startsWith('container_cpu_usage_seconds_total{') &&
                l.includes(`namespace="${ns}"`) &&
                l.includes('container=""'),
            ).length === 3
        );
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    await waitFor(
      'saturation',
      async () => {
        const a = await podCpu();
        const t0 = Date.now();
        await new Promise((r) => setTimeout(r, 1_000));
        return ((await podCpu()) - a) / ((Date.now() - t0) / 1000) > 1;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const nodeIdle = async () => {
      const text = await (await fetch(url)).text();
      return text
        .split('\n')
        .filter((l) => l.startsWith('node_cpu_seconds_total{') && l.includes('mode="idle"'))
        .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
    };
    const before = await podCpu();
    const idleBefore = await nodeIdle();
    const t0 = Date.now();
    const until = t0 + 3_000;
    await waitFor('3 s to pass', () => Date.now() >= until, { timeoutMs: 5_000, intervalMs: 100 });
    const seconds = (Date.now() - t0) / 1000;
    const rate = ((await podCpu()) - before) / seconds;
    // Without a limit each saturated pod uses one core (docs/simulator.md): three of them ask for 3 cores of a
    // 2-core node. They do not slow each other down, but the node never reports itself more than fully busy.
    expect(rate).toBeLessThanOrEqual(3);
    const idleRate = ((await nodeIdle()) - idleBefore) / seconds;
    expect(idleRate).toBeGreaterThanOrEqual(0);
  }, 90_000);
});
