import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { type RunningEngine, startEngine } from '../../src/cli/engine.js';
import { resolveConfig } from '../../src/config/settings.js';
import { type Simulator, startSimulator } from '../../src/simulator/simulator.js';
import { sandboxWithCrd } from '../e2e/engine-harness.js';
import { waitFor } from '../support/wait-for.js';

export const TOKEN = 's3cret-token-for-tests';

export interface Answer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** An engine started in this process on free ports, and plain HTTP to its API and metrics ports. */
export interface EngineUnderTest {
  engine: RunningEngine;
  base: string;
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    options?: { body?: unknown; raw?: string; token?: string | null; contentType?: string | null },
  ): Promise<Answer<T>>;
  metric(name: string, labels: string): Promise<number | undefined>;
}

export type Env = Awaited<ReturnType<typeof sandboxWithCrd>>;

/**
 * Starts the engine on `env` with the webhook token file (unless `tokenFile` is null). `lease` set: leader
 * election on that Lease (the caller decides who holds it); unset: no leader election, so it leads at once.
 */
export async function engineOn(
  env: Env,
  options: {
    tokenFile?: string | null;
    lease?: string;
    identity?: string;
    namespaces?: string;
    evaluationBeatMs?: number;
  } = {},
): Promise<EngineUnderTest> {
  const tokenFile = options.tokenFile === undefined ? join(env.dir, 'token') : options.tokenFile;
  const config = resolveConfig(
    {
      kubeconfig: join(env.dir, 'kubeconfig'),
      port: '0',
      metricsPort: '0',
      leaderElection: options.lease ? 'true' : 'false',
      ...(options.lease
        ? {
            leaderElectionLeaseName: options.lease,
            leaderElectionIdentity: options.identity ?? options.lease,
            leaderElectionLeaseDurationMs: '3s',
            leaderElectionRenewDeadlineMs: '2s',
            leaderElectionRetryPeriodMs: '500ms',
          }
        : {}),
      ...(tokenFile ? { webhookTokenFile: tokenFile } : {}),
      ...(options.namespaces ? { namespaces: options.namespaces } : {}),
    },
    {},
  );
  // API_TEST_LOG=debug shows the engine's log while a test runs.
  const engine = await startEngine(config, pino({ level: process.env.API_TEST_LOG ?? 'silent' }), {
    onLostLeadership: () => {},
    ...(options.evaluationBeatMs ? { evaluationBeatMs: options.evaluationBeatMs } : {}),
  });
  const base = `http://127.0.0.1:${engine.apiPort}`;
  await waitFor('the engine to be ready', async () => (await fetch(`${base}/readyz`)).status === 200, {
    timeoutMs: 20_000,
    intervalMs: 100,
  });
  return {
    engine,
    base,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = {};
      const token = o.token === undefined ? TOKEN : o.token;
      if (token !== null) headers.Authorization = `Bearer ${token}`;
      const contentType = o.contentType === undefined ? 'application/json' : o.contentType;
      const body = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
      if (body !== undefined && contentType !== null) headers['Content-Type'] = contentType;
      const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // text/plain health answers stay text
      }
      return { status: res.status, headers: res.headers, body: parsed as never };
    },
    async metric(name, labels) {
      const text = await (await fetch(`http://127.0.0.1:${engine.metricsPort}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
      return line === undefined ? undefined : Number(line.split(' ').pop());
    },
  };
}

/** A sandbox with every CRD and the simulated control plane (so Deployments get ReplicaSets and pods). */
export async function startCluster(namespaces: readonly string[]): Promise<{
  env: Env;
  simulator: Simulator;
  post(path: string, body: object): Promise<unknown>;
  stop(): Promise<void>;
}> {
  const env = await sandboxWithCrd();
  writeFileSync(join(env.dir, 'token'), `${TOKEN}\n`);
  const simulator = await startSimulator({ kubeConfig: env.sandbox.kubeConfig() });
  const post = (path: string, body: object) => env.rest.request({ method: 'POST', path, body });
  for (const name of namespaces) await post('/api/v1/namespaces', { metadata: { name } });
  return {
    env,
    simulator,
    post,
    async stop() {
      await simulator.stop();
      await env.cleanup();
    },
  };
}

/** An Alertmanager webhook payload (version 4) as Alertmanager writes it, around the given alerts. */
export function payload(
  alerts: Array<{ status?: 'firing' | 'resolved'; labels: Record<string, string>; fingerprint: string }>,
) {
  const startsAt = '2025-01-01T00:00:00Z';
  return {
    version: '4',
    groupKey: '{}:{alertname="Test"}',
    truncatedAlerts: 0,
    status: alerts.some((a) => (a.status ?? 'firing') === 'firing') ? 'firing' : 'resolved',
    receiver: 'coordination-engine',
    groupLabels: { alertname: 'Test' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: alerts.map((a) => ({
      status: a.status ?? 'firing',
      labels: { alertname: 'Test', ...a.labels },
      annotations: {},
      startsAt,
      endsAt: a.status === 'resolved' ? '2025-01-01T00:05:00Z' : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph',
      fingerprint: a.fingerprint,
    })),
  };
}

/** A Lease held by someone else for an hour: an engine electing on it stays a follower. */
export async function heldLease(post: (path: string, body: object) => Promise<unknown>, name: string) {
  const now = new Date().toISOString().replace('Z', '000Z');
  await post('/apis/coordination.k8s.io/v1/namespaces/default/leases', {
    metadata: { name },
    spec: { holderIdentity: 'someone-else', leaseDurationSeconds: 3600, acquireTime: now, renewTime: now },
  });
}
