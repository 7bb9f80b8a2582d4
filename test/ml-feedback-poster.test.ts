/**
 * Feedback to the ML service over real HTTP: the poster against the mock ML server (results, ordering, never
 * blocking, bounded queue, the metric), and the engine's glue that reads a closed Remediation record back from the
 * sandbox and sends it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendFeedback } from '../src/cli/feedback-wiring.js';
import { installCrds } from '../src/demo/demo-cluster.js';
import { RemediationStore, type WriteContext } from '../src/kube/remediation-store.js';
import { KubeRest } from '../src/kube/rest-client.js';
import { FEATURE_NAMES } from '../src/metrics/feature-catalogue.js';
import {
  createFeedbackPostsCounter,
  FeedbackPoster,
  type FeedbackPostResult,
} from '../src/ml/feedback-poster.js';
import {
  FEEDBACK_SCHEMA_VERSION,
  type FeedbackExample,
  feedbackExampleSchema,
} from '../src/remediation/feedback-example.js';
import { draftRemediation } from '../src/remediation/record-identity.js';
import { type Sandbox, startSandbox } from '../src/sandbox/sandbox.js';
import { useMockMlServer } from './support/mock-ml.js';
import { testPolicy } from './support/policy-fixtures.js';
import { waitFor } from './support/wait-for.js';

const mock = useMockMlServer();

const example = (name: string): FeedbackExample =>
  feedbackExampleSchema.parse({
    schemaVersion: FEEDBACK_SCHEMA_VERSION,
    episode: { namespace: 'shop', name: `guard-${name}` },
    policy: { kind: 'ClusterRemediationPolicy', name: 'guard', uid: 'p' },
    target: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name, uid: `uid-${name}` },
    dryRun: false,
    outcome: 'resolved',
    completionTime: '2025-03-01T12:05:00Z',
    attempts: 1,
    actions: [],
    problems: [],
  });

function poster(options: { timeoutMs?: number; maxQueued?: number } = {}) {
  const results: FeedbackPostResult[] = [];
  const registry = new Registry();
  const count = createFeedbackPostsCounter(registry, 'coordination_engine_');
  const p = new FeedbackPoster({
    baseUrl: `${mock().url}/`,
    timeoutMs: options.timeoutMs ?? 5_000,
    ...(options.maxQueued !== undefined ? { maxQueued: options.maxQueued } : {}),
    onResult: (result) => {
      results.push(result);
      count(result);
    },
  });
  const metric = async (result: FeedbackPostResult) => {
    const text = await registry.metrics();
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`coordination_engine_feedback_posts_total{result="${result}"}`));
    return Number(line?.split(' ').at(-1));
  };
  return { poster: p, results, metric };
}

const received = () =>
  mock()
    .feedback()
    .map((e) => e.target.name);

describe('FeedbackPoster', () => {
  it('posts examples in the order offered; the mock accepts and records each', async () => {
    const { poster: p, results, metric } = poster();
    for (const name of ['a', 'b', 'c']) p.offer(example(name));
    await p.idle();
    expect(results).toEqual(['accepted', 'accepted', 'accepted']);
    expect(received()).toEqual(['a', 'b', 'c']);
    expect(await metric('accepted')).toBe(3);
    expect(await metric('failed')).toBe(0);
  });

  it('never blocks the caller: offer returns while the service hangs, and the timeout counts it failed', async () => {
    mock().faults.set({ hang: true, paths: ['/api/v1/feedback'] });
    const { poster: p, results, metric } = poster({ timeoutMs: 300 });
    const started = performance.now();
    p.offer(example('slow'));
    expect(performance.now() - started).toBeLessThan(250);
    expect(results).toEqual([]);
    await p.idle();
    expect(results).toEqual(['failed']);
    expect(await metric('failed')).toBe(1);
  });

  it.each([
    [503, 'failed'],
    [500, 'failed'],
    [400, 'rejected'],
    [404, 'rejected'],
  ] as const)('counts HTTP %i as %s, without retrying', async (status, result) => {
    mock().faults.set({ failEvery: 1, failStatus: status, paths: ['/api/v1/feedback'] });
    const { poster: p, results } = poster();
    p.offer(example('x'));
    await p.idle();
    expect(results).toEqual([result]);
    expect(mock().counts().byPath['/api/v1/feedback']).toBe(1);
  });

  it('counts a connection refused as failed', async () => {
    const p = new FeedbackPoster({
      baseUrl: 'http://127.0.0.1:1',
      timeoutMs: 2_000,
      onResult: (r) => results.push(r),
    });
    const results: FeedbackPostResult[] = [];
    p.offer(example('x'));
    await p.idle();
    expect(results).toEqual(['failed']);
  });

  it('drops what does not fit the queue behind the request in flight', async () => {
    mock().faults.set({ latencyMs: 300, paths: ['/api/v1/feedback'] });
    const { poster: p, results, metric } = poster({ maxQueued: 1 });
    p.offer(example('in-flight'));
    p.offer(example('queued'));
    p.offer(example('over'));
    expect(results).toEqual(['dropped']);
    await p.idle();
    expect(received()).toEqual(['in-flight', 'queued']);
    expect(await metric('dropped')).toBe(1);
    expect(await metric('accepted')).toBe(2);
  });

  it('close() aborts the request in flight and drops the queue', async () => {
    mock().faults.set({ hang: true, paths: ['/api/v1/feedback'] });
    const { poster: p, results } = poster({ timeoutMs: 60_000 });
    p.offer(example('a'));
    p.offer(example('b'));
    p.close();
    await p.idle();
    expect(results.sort()).toEqual(['dropped', 'failed']);
    p.offer(example('c'));
    expect(results.sort()).toEqual(['dropped', 'dropped', 'failed']);
  });
});

describe('sendFeedback (a closed record read back from the API and sent)', () => {
  let sandbox: Sandbox;
  let dir: string;
  let store: RemediationStore;
  let policyUid = '';
  const ctx: WriteContext = { signal: new AbortController().signal, fence: () => {} };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'feedback-poster-'));
    sandbox = await startSandbox({ kubeconfigPath: join(dir, 'kubeconfig') });
    const rest = new KubeRest(sandbox.kubeConfig());
    store = new RemediationStore(rest);
    await installCrds(rest);
    await rest.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: 'shop' } } });
    // The records' owner must exist, or the garbage collector removes them at once.
    const policy = await rest.request<{ metadata: { uid: string } }>({
      method: 'POST',
      path: '/apis/coordination-engine.io/v1alpha1/namespaces/shop/remediationpolicies',
      body: testPolicy('guard').inNamespace('shop').build(),
    });
    policyUid = policy.metadata.uid;
  });
  afterAll(async () => {
    await sandbox?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function record(name: string, close: boolean) {
    const t0 = Date.parse('2025-03-01T12:00:00Z');
    const created = await store.create(
      ctx,
      draftRemediation({
        policy: { kind: 'RemediationPolicy', name: 'guard', namespace: 'shop', uid: policyUid },
        target: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name, uid: `uid-${name}` },
        dryRun: false,
        episodeStartMs: t0,
        status: {
          phase: 'Succeeded',
          attempts: 1,
          startTime: new Date(t0).toISOString(),
          completionTime: new Date(t0 + 60_000).toISOString(),
          outcome: 'resolved',
          decision: {
            rules: [],
            ml: [{ source: 'ml', anomaly: true, confidence: 0.7 }],
            fallback: false,
            features: [{ pod: `${name}-1`, values: FEATURE_NAMES.map(() => 0.5) }],
          },
          actions: [],
          conditions: [],
        },
      }),
    );
    const written = close ? await store.close(ctx, created) : created;
    return { namespace: 'shop', name: written.metadata.name };
  }

  it('sends the closed record as an example with its decision; an open or missing one is skipped', async () => {
    const { poster: p, results } = poster();
    sendFeedback(store, p, await record('web', true));
    sendFeedback(store, p, await record('api', false));
    sendFeedback(store, p, { namespace: 'shop', name: 'no-such-record' });
    await waitFor('three episodes handled', () => (results.length === 3 ? true : undefined), {
      timeoutMs: 10_000,
    });
    expect(results.sort()).toEqual(['accepted', 'skipped', 'skipped']);
    const [sent] = mock().feedback();
    expect(sent?.target.name).toBe('web');
    expect(sent?.decision?.featureNames).toEqual(FEATURE_NAMES);
    expect(sent?.decision?.ml).toEqual([{ source: 'ml', anomaly: true, confidence: 0.7 }]);
  });
});
