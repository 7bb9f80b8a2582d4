import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds } from '../src/demo/demo-cluster.js';
import { RemediationGc } from '../src/kube/remediation-gc.js';
import { ConflictError, RemediationStore, type WriteContext } from '../src/kube/remediation-store.js';
import { KubeRest } from '../src/kube/rest-client.js';
import type {
  PolicyRef,
  RemediationRecord,
  RemediationStatus,
  TargetRef,
} from '../src/remediation/record.js';
import { draftRemediation } from '../src/remediation/record-identity.js';
import { type Sandbox, startSandbox } from '../src/sandbox/sandbox.js';
import { testPolicy } from './support/policy-fixtures.js';
import { waitFor } from './support/wait-for.js';

/*
 * Remediation records over real HTTP against the sandbox serving crds/remediation.yaml as an API server would:
 * idempotent creation, conditional writes, open-episode lookup, retention, printing, and owner garbage collection.
 */

const run = promisify(execFile);
const NS = 'shop';
const T0 = Date.parse('2025-03-01T12:00:00Z');
const HOUR = 3_600_000;

let sandbox: Sandbox;
let dir: string;
let rest: KubeRest;
let store: RemediationStore;
const ctx: WriteContext = { signal: new AbortController().signal, fence: () => {} };

async function createPolicy(name: string): Promise<PolicyRef> {
  const created = await rest.request<{ metadata: { uid: string } }>({
    method: 'POST',
    path: `/apis/coordination-engine.io/v1alpha1/namespaces/${NS}/remediationpolicies`,
    body: testPolicy(name).inNamespace(NS).build(),
  });
  return { kind: 'RemediationPolicy', name, namespace: NS, uid: created.metadata.uid };
}

const target = (name: string, kind = 'Deployment'): TargetRef => ({
  apiVersion: kind === 'Pod' ? 'v1' : 'apps/v1',
  kind,
  namespace: NS,
  name,
  uid: `uid-${kind}-${name}`,
});

const pending = (startMs = T0): RemediationStatus => ({
  phase: 'Pending',
  stepIndex: 0,
  step: 'restart',
  attempts: 0,
  startTime: new Date(startMs).toISOString(),
  actions: [],
  conditions: [],
});

function open(policy: PolicyRef, t: TargetRef, startMs = T0, status = pending(startMs)) {
  return store.create(
    ctx,
    draftRemediation({ policy, target: t, dryRun: false, episodeStartMs: startMs, status }),
  );
}

/** An episode that ended at `completedMs`: status settled, then the record closed. */
async function finished(policy: PolicyRef, t: TargetRef, completedMs: number): Promise<RemediationRecord> {
  const record = await open(policy, t, completedMs - HOUR);
  const done = await store.updateStatus(ctx, record, {
    ...record.status,
    phase: 'Succeeded',
    outcome: 'resolved',
    completionTime: new Date(completedMs).toISOString(),
  });
  return store.close(ctx, done);
}

async function rawList(): Promise<{ metadata: { name: string } }[]> {
  return (
    await rest.request<{ items: { metadata: { name: string } }[] }>({
      method: 'GET',
      path: `/apis/coordination-engine.io/v1alpha1/namespaces/${NS}/remediations`,
    })
  ).items;
}

async function kubectl(...args: string[]): Promise<string[]> {
  const { stdout } = await run(
    'kubectl',
    ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args],
    { timeout: 30_000 },
  );
  return stdout.trimEnd().split('\n');
}

/** kubectl pads columns with at least three spaces; cells themselves hold at most single spaces. */
const fields = (line: string | undefined) => (line ?? '').trim().split(/ {3,}/);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'remediation-records-'));
  sandbox = await startSandbox({ kubeconfigPath: join(dir, 'kubeconfig') });
  rest = new KubeRest(sandbox.kubeConfig());
  store = new RemediationStore(rest);
  expect(await installCrds(rest)).toEqual([
    'clusterremediationpolicy.yaml',
    'remediation.yaml',
    'remediationpolicy.yaml',
  ]);
  await rest.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: NS } } });
});

afterAll(async () => {
  await sandbox?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('RemediationStore', () => {
  it('creates idempotently: a second create returns the stored record and writes nothing', async () => {
    const policy = await createPolicy('idempotent');
    const first = await open(policy, target('web'));
    expect(first.status.phase).toBe('Pending');
    const again = await open(policy, target('web'), T0, { ...pending(), phase: 'Acting', attempts: 5 });
    expect(again.metadata.uid).toBe(first.metadata.uid);
    expect(again.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    expect(again.status).toEqual(first.status);
    expect((await rawList()).filter((r) => r.metadata.name === first.metadata.name)).toHaveLength(1);
  });

  it('refuses a write at a stale resourceVersion with ConflictError and keeps the stored status', async () => {
    const policy = await createPolicy('conflicts');
    const read = await open(policy, target('api'));
    const acting: RemediationStatus = { ...read.status, phase: 'Acting', attempts: 1 };
    const written = await store.updateStatus(ctx, read, acting);
    expect(written.status.phase).toBe('Acting');

    const stale = store.updateStatus(ctx, read, { ...read.status, phase: 'Failed' });
    await expect(stale).rejects.toBeInstanceOf(ConflictError);
    await expect(store.close(ctx, read)).rejects.toBeInstanceOf(ConflictError);
    await expect(store.delete(ctx, read)).rejects.toBeInstanceOf(ConflictError);

    const now = await store.get(NS, read.metadata.name);
    expect(now?.status).toEqual(written.status);
    expect(now?.open).toBe(true);
    expect(now?.metadata.resourceVersion).toBe(written.metadata.resourceVersion);
  });

  it('round-trips a full status through the API server unchanged', async () => {
    const policy = await createPolicy('roundtrip');
    const record = await open(policy, target('full'));
    const full: RemediationStatus = {
      ...record.status,
      phase: 'Acting',
      lastActionTime: '2025-03-01T12:01:00Z',
      intent: {
        id: '8d7c6f0e-1b2a-4c3d-9e8f-001122334455',
        step: 'undo',
        action: 'Rollback',
        time: '2025-03-01T12:01:00Z',
        expected: { fromRevision: '3', replicas: 4 },
      },
      actions: [
        {
          id: 'a1',
          step: 'restart',
          action: 'RestartPod',
          time: '2025-03-01T12:00:30Z',
          result: 'Skipped',
          reason: 'Cooldown',
          message: 'ü'.repeat(1024),
        },
      ],
      decision: {
        time: '2025-03-01T12:00:00Z',
        rules: [{ name: 'cpu', input: 'cpu_usage_ratio', value: 0.97 }],
        ml: [{ source: 'kserve', anomaly: true, confidence: 0.91 }],
        fallback: false,
        features: [
          { pod: 'full-1', podUid: 'p1', values: Array.from({ length: 45 }, (_, i) => (i % 3 ? i : null)) },
        ],
      },
      conditions: [
        {
          type: 'Verified',
          status: 'Unknown',
          reason: 'Waiting',
          lastTransitionTime: '2025-03-01T12:01:00Z',
        },
      ],
    };
    const written = await store.updateStatus(ctx, record, full);
    expect(written.problems).toEqual([]);
    expect(written.status).toEqual(full);
    expect((await store.get(NS, record.metadata.name))?.status).toEqual(full);
  });

  it('lists only the open episodes of the policy', async () => {
    const policy = await createPolicy('lister');
    const other = await createPolicy('other');
    const a = await open(policy, target('a'));
    const b = await open(policy, target('b', 'Pod'));
    const c = await finished(policy, target('c'), T0);
    await open(other, target('a'));

    const openNames = (await store.listOpen(policy)).map((r) => r.metadata.name).sort();
    expect(openNames).toEqual([a.metadata.name, b.metadata.name].sort());
    const all = (await store.listAll(policy)).map((r) => r.metadata.name).sort();
    expect(all).toEqual([a.metadata.name, b.metadata.name, c.metadata.name].sort());
    expect(c.open).toBe(false);
  });

  it('sends nothing when the fence throws or the term is over', async () => {
    const policy = await createPolicy('fenced');
    const record = await open(policy, target('db', 'StatefulSet'));
    const deposed = new Error('not the leader');
    const fenced: WriteContext = {
      signal: new AbortController().signal,
      fence: () => {
        throw deposed;
      },
    };
    const ended = new AbortController();
    ended.abort(new Error('term over'));
    const aborted: WriteContext = { signal: ended.signal, fence: () => {} };
    const draft = draftRemediation({ policy, target: target('new'), dryRun: false, episodeStartMs: T0 });

    const before = sandbox.requests.at(-1)?.seq ?? 0;
    for (const c of [fenced, aborted]) {
      const why = c === fenced ? deposed : ended.signal.reason;
      await expect(store.create(c, draft)).rejects.toBe(why);
      await expect(store.updateStatus(c, record, { ...record.status, phase: 'Acting' })).rejects.toBe(why);
      await expect(store.close(c, record)).rejects.toBe(why);
      await expect(store.delete(c, record)).rejects.toBe(why);
    }
    const sent = sandbox.requests.filter((r) => r.seq > before && r.method !== 'GET');
    expect(sent).toEqual([]);
    expect((await store.get(NS, record.metadata.name))?.metadata.resourceVersion).toBe(
      record.metadata.resourceVersion,
    );
  });
});

describe('retention', () => {
  it('deletes only the closed records past retention', async () => {
    const policy = await createPolicy('retained');
    const now = T0 + 10 * HOUR;
    const old = await finished(policy, target('old'), T0);
    const recent = await finished(policy, target('recent'), now - HOUR);
    const running = await open(policy, target('running'), T0 - 48 * HOUR);

    const result = await new RemediationGc(store).collect(ctx, policy, 2 * HOUR, now);
    expect(result).toEqual({ deleted: [`${NS}/${old.metadata.name}`], changed: [] });
    expect(await store.get(NS, old.metadata.name)).toBeUndefined();
    expect(await store.get(NS, recent.metadata.name)).toBeDefined();
    expect(await store.get(NS, running.metadata.name)).toBeDefined();
  });
  it('keeps a record that changed between the list and the delete', async () => {
    const policy = await createPolicy('raced');
    const record = await finished(policy, target('raced'), T0);
    // Another writer touches the record right after the collector listed it.
    class RacedStore extends RemediationStore {
      override async listAll(p: PolicyRef, signal?: AbortSignal): Promise<RemediationRecord[]> {
        const listed = await super.listAll(p, signal);
        await store.updateStatus(ctx, record, { ...record.status, attempts: 9 });
        return listed;
      }
    }
    const result = await new RemediationGc(new RacedStore(rest)).collect(ctx, policy, HOUR, T0 + 2 * HOUR);
    expect(result).toEqual({ deleted: [], changed: [`${NS}/${record.metadata.name}`] });
    expect((await store.get(NS, record.metadata.name))?.status.attempts).toBe(9);
  });
});

describe('kubectl get remediations', () => {
  it('prints kind, target, step, phase, attempts and age; dry run with -o wide', async () => {
    const policy = await createPolicy('printed');
    const record = await open(policy, target('checkout'));
    await store.updateStatus(ctx, record, {
      ...record.status,
      phase: 'Verifying',
      step: 'roll',
      attempts: 2,
    });

    const lines = await kubectl('get', 'remediations', '-n', NS);
    expect(fields(lines[0])).toEqual(['NAME', 'KIND', 'TARGET', 'STEP', 'PHASE', 'ATTEMPTS', 'AGE']);
    const row = fields(lines.find((l) => l.startsWith(record.metadata.name)));
    expect(row.slice(0, 6)).toEqual([
      record.metadata.name,
      'Deployment',
      'checkout',
      'roll',
      'Verifying',
      '2',
    ]);
    expect(row[6]).toMatch(/^\d+s$/);

    const wide = await kubectl('get', 'rem', '-n', NS, '-o', 'wide');
    expect(fields(wide[0])).toEqual([
      'NAME',
      'KIND',
      'TARGET',
      'STEP',
      'PHASE',
      'ATTEMPTS',
      'DRY RUN',
      'AGE',
    ]);
    expect(fields(wide.find((l) => l.startsWith(record.metadata.name)))[6]).toBe('false');
  });
});

describe('ownership', () => {
  it("deletes a policy's records with the policy", async () => {
    const policy = await createPolicy('owner');
    const a = await open(policy, target('x'));
    const b = await finished(policy, target('y'), T0);
    await rest.request({
      method: 'DELETE',
      path: `/apis/coordination-engine.io/v1alpha1/namespaces/${NS}/remediationpolicies/owner`,
    });
    await waitFor('the policy’s records to be garbage collected', async () => {
      const names = (await rawList()).map((r) => r.metadata.name);
      return !names.includes(a.metadata.name) && !names.includes(b.metadata.name);
    });
    expect(await store.listAll(policy)).toEqual([]);
  });
});
