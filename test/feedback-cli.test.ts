import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds } from '../src/demo/demo-cluster.js';
import { listClosedRemediations } from '../src/kube/closed-remediations.js';
import { RemediationStore, type WriteContext } from '../src/kube/remediation-store.js';
import { KubeRest } from '../src/kube/rest-client.js';
import { FEATURE_NAMES } from '../src/metrics/feature-catalogue.js';
import { type FeedbackExample, feedbackExampleSchema } from '../src/remediation/feedback-example.js';
import type { Outcome, PolicyRef, RemediationStatus } from '../src/remediation/record.js';
import { draftRemediation } from '../src/remediation/record-identity.js';
import { type Sandbox, startSandbox } from '../src/sandbox/sandbox.js';
import { testPolicy } from './support/policy-fixtures.js';
import {
  PUBLISHED_FEEDBACK_SCHEMA_PATH,
  publishedSchemaProblems,
} from './support/published-feedback-schema.js';

/*
 * `coordination-engine feedback export` run as a user runs it, against the sandbox holding Remediation records
 * written through the API: every stdout line must be valid against the published JSON Schema
 * (schemas/feedback-example.v1.schema.json, which docs/feedback.md documents) and parse with the engine's own, and
 * --since / --policy must select exactly the right episodes.
 */

const ROOT = resolve(import.meta.dirname, '..');
const TSX = resolve(ROOT, 'node_modules/.bin/tsx');
const T0 = Date.parse('2025-03-01T12:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const ctx: WriteContext = { signal: new AbortController().signal, fence: () => {} };

let sandbox: Sandbox;
let dir: string;
let rest: KubeRest;
let store: RemediationStore;

function cli(
  args: string[],
  command: 'export' | 'schema' = 'export',
): Promise<{ code: number; stdout: string; stderr: string }> {
  const flags = command === 'export' ? ['--kubeconfig', join(dir, 'kubeconfig'), ...args] : args;
  return new Promise((done) => {
    execFile(
      TSX,
      ['src/cli/main.ts', 'feedback', command, ...flags],
      { cwd: ROOT, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** A stdout line checked against the published schema (any problem fails the test), then typed. */
function readBack(line: string): FeedbackExample {
  const parsed: unknown = JSON.parse(line);
  expect(publishedSchemaProblems(parsed), line).toEqual([]);
  return feedbackExampleSchema.parse(parsed);
}

async function exported(args: string[]): Promise<FeedbackExample[]> {
  const run = await cli(args);
  expect(run.code, run.stderr).toBe(0);
  const lines = run.stdout.split('\n');
  expect(lines.pop()).toBe('');
  return lines.map(readBack);
}

const targets = (examples: FeedbackExample[]) =>
  examples.map((e) => `${e.target.namespace}/${e.target.name}`);

async function createPolicy(name: string, namespace?: string): Promise<PolicyRef> {
  const builder = namespace ? testPolicy(name).inNamespace(namespace) : testPolicy(name).clusterWide();
  const path = namespace
    ? `/apis/coordination-engine.io/v1alpha1/namespaces/${namespace}/remediationpolicies`
    : '/apis/coordination-engine.io/v1alpha1/clusterremediationpolicies';
  const created = await rest.request<{ metadata: { uid: string } }>({
    method: 'POST',
    path,
    body: builder.build(),
  });
  return namespace
    ? { kind: 'RemediationPolicy', name, namespace, uid: created.metadata.uid }
    : { kind: 'ClusterRemediationPolicy', name, uid: created.metadata.uid };
}

/** An episode of `policy` on Deployment namespace/name; finished at `completedMs` with `outcome` unless open. */
async function episode(
  policy: PolicyRef,
  namespace: string,
  name: string,
  end: { completedMs: number; outcome?: Outcome } | 'open',
): Promise<void> {
  const startMs = (end === 'open' ? T0 : end.completedMs) - 10 * MIN;
  const status: RemediationStatus = {
    phase: 'Verifying',
    stepIndex: 0,
    step: 'restart',
    attempts: 1,
    startTime: new Date(startMs).toISOString(),
    actions: [
      {
        id: 'a1',
        step: 'restart',
        action: 'RestartPod',
        time: new Date(startMs + MIN).toISOString(),
        result: 'Succeeded',
        message: `evicted ${name}-1`,
      },
    ],
    decision: {
      time: new Date(startMs).toISOString(),
      rules: [{ name: 'crash-loop', input: 'signal:CrashLoopBackOff', value: 4 }],
      ml: [{ source: 'ml-service', anomaly: true, confidence: 0.8 }],
      fallback: false,
      features: [{ pod: `${name}-1`, podUid: `uid-${name}-1`, values: FEATURE_NAMES.map((_, i) => i) }],
    },
    conditions: [],
  };
  const target = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace,
    name,
    uid: `uid-${namespace}-${name}`,
  };
  const record = await store.create(
    ctx,
    draftRemediation({ policy, target, dryRun: false, episodeStartMs: startMs, status }),
  );
  if (end === 'open') return;
  const done = await store.updateStatus(ctx, record, {
    ...record.status,
    phase: end.outcome === 'resolved' ? 'Succeeded' : end.outcome === undefined ? 'Failed' : 'Escalated',
    ...(end.outcome ? { outcome: end.outcome } : {}),
    completionTime: new Date(end.completedMs).toISOString(),
  });
  await store.close(ctx, done);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'feedback-cli-'));
  sandbox = await startSandbox({ kubeconfigPath: join(dir, 'kubeconfig') });
  rest = new KubeRest(sandbox.kubeConfig());
  store = new RemediationStore(rest);
  await installCrds(rest);
  for (const name of ['shop', 'ops'])
    await rest.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name } } });
  const guard = await createPolicy('guard', 'shop');
  const other = await createPolicy('other', 'shop');
  const fleet = await createPolicy('fleet');
  await Promise.all([
    episode(guard, 'shop', 'web', { completedMs: T0, outcome: 'resolved' }),
    episode(guard, 'shop', 'api', { completedMs: T0 + 2 * HOUR, outcome: 'escalated' }),
    episode(guard, 'shop', 'db', 'open'),
    // Closed without an outcome: not a training example, reported on stderr.
    episode(guard, 'shop', 'cache', { completedMs: T0 + HOUR }),
    episode(other, 'shop', 'cart', { completedMs: T0 + HOUR, outcome: 'failed' }),
    episode(fleet, 'shop', 'batch', { completedMs: T0 + 30 * MIN, outcome: 'resolved' }),
    episode(fleet, 'ops', 'worker', { completedMs: T0 + 3 * HOUR, outcome: 'resolved' }),
  ]);
}, 60_000);

afterAll(async () => {
  await sandbox?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('coordination-engine feedback export', () => {
  it('prints one schema-valid line per finished episode in all namespaces, oldest first', async () => {
    const run = await cli([]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/skipped 1 finished record.*\n.*shop\/guard-cache-\w+: no outcome/);
    const examples = run.stdout.trimEnd().split('\n').map(readBack);
    expect(targets(examples)).toEqual(['shop/web', 'shop/batch', 'shop/cart', 'shop/api', 'ops/worker']);
    expect(examples.map((e) => e.outcome)).toEqual([
      'resolved',
      'resolved',
      'failed',
      'escalated',
      'resolved',
    ]);
    const web = examples[0];
    expect(web?.policy).toMatchObject({ kind: 'RemediationPolicy', name: 'guard', namespace: 'shop' });
    expect(web?.decision?.featureNames).toEqual(FEATURE_NAMES);
    expect(web?.decision?.features).toEqual([
      { pod: 'web-1', podUid: 'uid-web-1', values: FEATURE_NAMES.map((_, i) => i) },
    ]);
    expect(web?.decision?.rules).toEqual([
      { name: 'crash-loop', input: 'signal:CrashLoopBackOff', value: 4 },
    ]);
    expect(web?.actions).toEqual([
      {
        step: 'restart',
        action: 'RestartPod',
        time: '2025-03-01T11:51:00.000Z',
        result: 'Succeeded',
        message: 'evicted web-1',
      },
    ]);
    expect(web?.problems).toEqual([]);
  });

  it('`feedback schema` prints the published JSON Schema the lines are checked against', async () => {
    const run = await cli([], 'schema');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(await readFile(PUBLISHED_FEEDBACK_SCHEMA_PATH, 'utf8'));
  });

  it('--since keeps episodes completed at or after the time (RFC 3339 or unix seconds)', async () => {
    const [rfc, unix] = await Promise.all([
      exported(['--since', new Date(T0 + HOUR).toISOString()]),
      exported(['--since', String((T0 + HOUR) / 1000 + 1)]),
    ]);
    expect(targets(rfc)).toEqual(['shop/cart', 'shop/api', 'ops/worker']);
    expect(targets(unix)).toEqual(['shop/api', 'ops/worker']);
  });

  it('--policy ns/name selects a RemediationPolicy, a bare name a ClusterRemediationPolicy', async () => {
    const [guard, fleet, guardSince, none] = await Promise.all([
      exported(['--policy', 'shop/guard']),
      exported(['--policy', 'fleet']),
      exported(['--policy', 'shop/guard', '--since', new Date(T0 + MIN).toISOString()]),
      exported(['--policy', 'ops/guard']),
    ]);
    expect(targets(guard)).toEqual(['shop/web', 'shop/api']);
    expect(targets(fleet)).toEqual(['shop/batch', 'ops/worker']);
    expect(targets(guardSince)).toEqual(['shop/api']);
    expect(none).toEqual([]);
  });

  it.each([
    ['--since', 'last-tuesday'],
    ['--policy', 'a/b/c'],
    ['--policy', 'Shop/guard'],
  ])('%s %s exits 2 naming the flag, printing nothing', async (flag, value) => {
    const run = await cli([flag, value]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`error: ${flag} expects`);
  });

  it('reads the records page by page', async () => {
    const names: string[] = [];
    const limits: unknown[] = [];
    const counting = {
      request: (req: Parameters<KubeRest['request']>[0]) => {
        limits.push(req.query?.limit);
        return rest.request(req);
      },
    } as KubeRest;
    for await (const item of listClosedRemediations(counting, undefined, { pageSize: 2 }))
      if ('record' in item) names.push(item.record.metadata.name);
    // Six closed records (the open one is not listed) in pages of two.
    expect(limits).toEqual([2, 2, 2]);
    expect(names).toHaveLength(6);
    expect(new Set(names).size).toBe(6);
  });
});
