import { createServer, type Server } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEngine, startEngine } from '../../src/cli/engine.js';
import { resolveConfig } from '../../src/config/settings.js';
import { microTime } from '../../src/controller/leader-election.js';
import { LeadershipLostError } from '../../src/controller/leadership.js';
import type { JsonObject } from '../../src/json/json-value.js';
import type { KubeRest } from '../../src/kube/rest-client.js';
import { podFixture } from '../sandbox/fixtures.js';
import { testPolicy } from '../support/policy-fixtures.js';
import { waitFor } from '../support/wait-for.js';
import {
  type EngineProcess,
  LEASE,
  leaseHolder,
  leaseSpec,
  sandboxWithCrd,
  startEngineProcess,
  stopProcess,
  waitForReady,
} from './engine-harness.js';

// Timings passed by startEngineProcess: lease 3 s, renew deadline 2 s, retry period 500 ms.
const LEASE_DURATION_MS = 3_000;
const RETRY_PERIOD_MS = 500;

describe('engine end to end (two replicas)', () => {
  let env: Awaited<ReturnType<typeof sandboxWithCrd>>;
  const engines: EngineProcess[] = [];

  beforeAll(async () => {
    env = await sandboxWithCrd();
    const [a, b] = await Promise.all([
      startEngineProcess(`${env.dir}/kubeconfig`, 'replica-a'),
      startEngineProcess(`${env.dir}/kubeconfig`, 'replica-b'),
    ]);
    engines.push(a, b);
  });

  afterAll(async () => {
    await Promise.all(engines.map(stopProcess));
    await env?.cleanup();
  });

  const reconciles = async (engine: EngineProcess) => {
    const { text } = await engine.get('/metrics');
    return text
      .split('\n')
      .filter((l) => l.startsWith('coordination_engine_reconcile_total{'))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  };
  const byIdentity = (identity: string | undefined) => {
    const engine = engines.find((e) => e.identity === identity);
    if (!engine) throw new Error(`no engine ${identity}`);
    return engine;
  };

  it('exactly one replica reconciles; on the leader being killed the other takes over within the lease duration', async () => {
    const { sandbox, rest } = env;
    const holder = await waitFor('a leader', () => leaseHolder(sandbox) || undefined);
    const leader = byIdentity(holder);
    const follower = engines.find((e) => e !== leader) as EngineProcess;

    await rest.request({
      method: 'POST',
      path: '/apis/coordination-engine.io/v1alpha1/namespaces/default/remediationpolicies',
      body: testPolicy('p').build() as JsonObject,
    });
    await waitForReady(sandbox, 'default', 'p', 1);
    // The status is visible a moment before the reconcile returns (it still records an Event) and is counted.
    await waitFor('the leader counted its reconcile', async () => (await reconciles(leader)) > 0);
    expect(await reconciles(follower)).toBe(0);
    expect(await leader.metric('coordination_engine_leader')).toBe(1);
    expect(await follower.metric('coordination_engine_leader')).toBe(0);
    // A ready follower is a healthy standby. It started with the leader but syncs its caches and starts campaigning
    // on its own time (the two processes share 2 cores): ready within a deadline, not necessarily at this instant.
    await waitFor(
      'the follower ready',
      async () => (await follower.get('/readyz')).status === 200 || undefined,
      {
        timeoutMs: 15_000,
      },
    );
    const followerHealth = JSON.parse((await follower.get('/api/v1/health')).text);
    expect(followerHealth.dependencies.leader.message).toBe('standing by as a follower');

    leader.proc.child.kill('SIGKILL');
    const killedAt = Date.now();
    await leader.proc.exited;
    // The dead leader's last renewal, as the Lease records it (its stamps and the follower's share one clock here).
    const lastRenew = Date.parse(leaseSpec(sandbox)?.renewTime ?? '');
    await waitFor('takeover', () => leaseHolder(sandbox) === follower.identity, { timeoutMs: 15_000 });
    const takeoverMs = Date.now() - killedAt;
    const sinceRenewMs = Date.parse(leaseSpec(sandbox)?.acquireTime ?? '') - lastRenew;
    // A follower only trusts expiry it has observed itself (clock-skew safe): it takes over one lease duration after
    // it saw the last renewal, which it sees at most one retry period late, plus the GET and PUT that acquire the
    // lease (allowed 250 ms on this shared 2-core machine).
    const bound = LEASE_DURATION_MS + RETRY_PERIOD_MS + 250;
    expect(sinceRenewMs).toBeGreaterThanOrEqual(LEASE_DURATION_MS);
    expect(sinceRenewMs).toBeLessThanOrEqual(bound);
    expect(takeoverMs).toBeLessThanOrEqual(bound);
    console.log(
      `takeover: ${takeoverMs} ms after the kill, ${sinceRenewMs} ms after the last renewal (lease duration ${LEASE_DURATION_MS} ms)`,
    );

    // The new leader reconciles: a spec change is observed.
    await rest.request({
      method: 'PATCH',
      path: '/apis/coordination-engine.io/v1alpha1/namespaces/default/remediationpolicies/p',
      body: { spec: { evaluationInterval: '2m' } },
      contentType: 'application/merge-patch+json',
    });
    await waitForReady(sandbox, 'default', 'p', 2);
    expect(await follower.metric('coordination_engine_leader')).toBe(1);

    follower.proc.child.kill('SIGTERM');
    expect(await follower.proc.exited).toBe(0);
    expect(leaseHolder(sandbox)).toBe('');
  });
});

const LEASE_PATH = `/apis/coordination.k8s.io/v1/namespaces/${LEASE.namespace}/leases/${LEASE.name}`;

/** Another replica takes the lease over through the API (as after this replica's lease seemed to expire to it). */
async function takeLease(rest: KubeRest, holder: string, durationSeconds: number): Promise<void> {
  const lease = (await rest.request({ method: 'GET', path: LEASE_PATH })) as JsonObject;
  const now = microTime(Date.now());
  await rest.request({
    method: 'PUT',
    path: LEASE_PATH,
    body: {
      ...lease,
      spec: {
        ...(lease.spec as JsonObject),
        holderIdentity: holder,
        leaseDurationSeconds: durationSeconds,
        acquireTime: now,
        renewTime: now,
      },
    },
  });
}

describe('engine end to end: losing the lease', () => {
  let env: Awaited<ReturnType<typeof sandboxWithCrd>>;
  let engine: RunningEngine | undefined;
  let child: EngineProcess | undefined;

  beforeAll(async () => {
    env = await sandboxWithCrd();
  });

  afterAll(async () => {
    await engine?.stop();
    await stopProcess(child);
    await env?.cleanup();
  });

  it("aborts the term's signal and calls onLostLeadership when the lease is taken away", async () => {
    const identity = 'in-process';
    const config = resolveConfig(
      {
        kubeconfig: `${env.dir}/kubeconfig`,
        port: '0',
        metricsPort: '0',
        leaderElectionIdentity: identity,
        leaderElectionLeaseDurationMs: '3s',
        leaderElectionRenewDeadlineMs: '2s',
        leaderElectionRetryPeriodMs: '500ms',
      },
      {},
    );
    const lost: number[] = [];
    engine = await startEngine(config, pino({ level: 'silent' }), {
      onLostLeadership: () => lost.push(Date.now()),
    });
    const { leadership } = engine;
    await waitFor('leading', () => leaseHolder(env.sandbox) === identity && !leadership.signal().aborted);
    const term = leadership.signal();
    expect(() => leadership.fence()).not.toThrow();
    expect(lost).toEqual([]);

    const takenAt = Date.now();
    await takeLease(env.rest, 'usurper', 60);
    await waitFor('the term aborted', () => term.aborted, { timeoutMs: 5_000 });
    // It notices at its next renewal, one retry period at most (plus a GET on a shared machine).
    expect(Date.now() - takenAt).toBeLessThanOrEqual(RETRY_PERIOD_MS + 1_000);
    expect(term.reason).toBeInstanceOf(LeadershipLostError);
    expect(lost).toHaveLength(1);
    expect(() => leadership.fence()).toThrow(LeadershipLostError);
    await engine.stop();
    engine = undefined;
    // It never releases (or otherwise writes) a lease it no longer holds.
    expect(leaseHolder(env.sandbox)).toBe('usurper');
  });

  it('does not release the lease when in-flight work outlives the shutdown timeout', async () => {
    // A Prometheus that is ready but never answers a query: the detection cycle stays in flight.
    let queried = 0;
    const prometheus: Server = createServer((req, res) => {
      if (req.url?.startsWith('/-/ready')) res.end('ready');
      else queried++;
    });
    await new Promise<void>((resolve) => prometheus.listen(0, '127.0.0.1', resolve));
    const address = prometheus.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      // A lease left by the test before is released, so this engine can lead at once.
      if (leaseHolder(env.sandbox) !== undefined) await takeLease(env.rest, '', 1);
      env.sandbox.create('', 'v1', 'pods', {
        ...podFixture('solo', {}),
        metadata: { name: 'solo', namespace: 'default' },
      } as unknown as JsonObject);
      await env.rest.request({
        method: 'POST',
        path: '/apis/coordination-engine.io/v1alpha1/namespaces/default/remediationpolicies',
        body: testPolicy('p').build() as JsonObject,
      });
      const identity = 'stuck';
      const config = resolveConfig(
        {
          kubeconfig: `${env.dir}/kubeconfig`,
          port: '0',
          metricsPort: '0',
          prometheusUrl: `http://127.0.0.1:${port}`,
          prometheusTimeoutMs: '5m',
          shutdownTimeoutMs: '500ms',
          leaderElectionIdentity: identity,
          leaderElectionLeaseDurationMs: '3s',
          leaderElectionRenewDeadlineMs: '2s',
          leaderElectionRetryPeriodMs: '500ms',
        },
        {},
      );
      const lost: number[] = [];
      engine = await startEngine(config, pino({ level: 'silent' }), {
        onLostLeadership: () => lost.push(Date.now()),
      });
      const { leadership } = engine;
      await waitFor(
        'a detection cycle in flight',
        () => leaseHolder(env.sandbox) === identity && queried > 0,
        {
          timeoutMs: 15_000,
        },
      );
      const term = leadership.signal();
      await engine.stop();
      engine = undefined;
      // The term ended, but the lease was left to expire: a successor cannot act while the cycle still runs.
      expect(term.aborted).toBe(true);
      expect(leaseHolder(env.sandbox)).toBe(identity);
      expect(lost).toEqual([]);
    } finally {
      prometheus.closeAllConnections();
      await new Promise<void>((resolve) => prometheus.close(() => resolve()));
    }
  });

  it('the run command exits 1 with "leader election lost"', async () => {
    if (leaseHolder(env.sandbox) !== undefined) await takeLease(env.rest, '', 1);
    child = await startEngineProcess(`${env.dir}/kubeconfig`, 'cli-replica');
    await waitFor('the CLI leads', () => leaseHolder(env.sandbox) === 'cli-replica');
    await takeLease(env.rest, 'usurper', 60);
    expect(await child.proc.exited).toBe(1);
    expect(child.proc.output()).toContain('leader election lost');
    expect(leaseHolder(env.sandbox)).toBe('usurper');
  });
});
