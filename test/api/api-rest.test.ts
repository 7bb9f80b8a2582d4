import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { draftRemediation } from '../../src/remediation/record-identity.js';
import { appDeployment } from '../e2e/workload-fixtures.js';
import { testPolicy } from '../support/policy-fixtures.js';
import { waitFor } from '../support/wait-for.js';
import { type EngineUnderTest, engineOn, heldLease, startCluster } from './api-stack.js';
import { documentedOperations } from './openapi-operations.js';

/**
 * The REST API over real HTTP on a running engine with real sandbox objects: the trigger (through the gates:
 * dry run, paused, healthy, not selected), a policy's status and decisions, Remediation records filtered and
 * paged, feature vectors, parameter validation, and JSON errors for everything.
 */
const NS = 'shop';
const RECORDS_NS = 'records';
let cluster: Awaited<ReturnType<typeof startCluster>>;
let api: EngineUnderTest;

// A restart count never goes back, so the verdict does not flicker with the crash loop's back-off.
const restartedRule = { name: 'restarted', signal: 'RestartCount', operator: '>=', value: 1, for: '0s' };
const policy = (name: string, app: string, safety: Record<string, unknown>) =>
  testPolicy(name)
    .inNamespace(NS)
    .targeting({ app })
    .withRule(restartedRule)
    .withActions({ name: 'roll', type: 'RolloutRestart' })
    .withSafety(safety)
    .withSpecField('evaluationInterval', '10m')
    .build();
const policiesPath = `/apis/coordination-engine.io/v1alpha1/namespaces/${NS}/remediationpolicies`;

const restarted = () =>
  cluster.env.sandbox.store.list('pods', NS).some((p) => {
    const statuses = (p.status as { containerStatuses?: Array<{ restartCount?: number }> }).containerStatuses;
    return (
      (p.metadata as { name: string }).name.startsWith('crashy-') && (statuses?.[0]?.restartCount ?? 0) >= 1
    );
  });

beforeAll(async () => {
  cluster = await startCluster([NS, RECORDS_NS]);
  const { post } = cluster;
  await post(
    `/apis/apps/v1/namespaces/${NS}/deployments`,
    appDeployment({ name: 'calm', imagePrefix: NS, replicas: 1 }),
  );
  for (const [name, app, safety] of [
    ['dry', 'crashy', { dryRun: true }],
    ['held', 'crashy', { dryRun: false, paused: true, pausedReason: 'change freeze' }],
    ['calm', 'calm', { dryRun: true }],
  ] as const)
    await post(policiesPath, policy(name, app, safety));
  api = await engineOn(cluster.env);
  // Every policy has had its first (scheduled) evaluation before the crash loop starts; with a 10m interval, only
  // a trigger evaluates them again.
  await waitFor(
    'the first evaluations',
    async () => {
      for (const name of ['dry', 'held', 'calm']) {
        const view = await api.call<{ assessment: unknown }>('GET', `/api/v1/policies/${NS}/${name}`);
        if (view.body.assessment === null) return undefined;
      }
      return true;
    },
    { timeoutMs: 20_000, intervalMs: 100 },
  );
  await post(
    `/apis/apps/v1/namespaces/${NS}/deployments`,
    appDeployment({
      name: 'crashy',
      imagePrefix: NS,
      replicas: 1,
      annotations: {
        'sandbox.coordination-engine.io/behaviour': 'crashloop',
        'sandbox.coordination-engine.io/crash-after': '1s',
      },
    }),
  );
  await waitFor('crashy to restart', restarted, { timeoutMs: 40_000, intervalMs: 100 });
}, 120_000);

afterAll(async () => {
  await api?.engine.stop();
  await cluster?.stop();
});

type Trigger = {
  targets: Array<{ state: string }>;
  decisions: Array<{ result: string; reason: string; message: string }>;
  summary: string;
  evaluated: boolean;
};
const trigger = (policyName: string, target: string, token?: string | null) =>
  api.call<Trigger>('POST', '/api/v1/remediation/trigger', {
    body: {
      policy: { namespace: NS, name: policyName },
      target: { kind: 'Deployment', namespace: NS, name: target },
    },
    ...(token !== undefined ? { token } : {}),
  });

describe('the REST API', () => {
  it('serves every documented operation, and answers unknown routes and methods with JSON errors', async () => {
    const sample = (path: string) =>
      path.replace('{namespace}', NS).replace('{name}', 'calm').replace('{pod}', 'nothing-here');
    for (const op of documentedOperations()) {
      const [method, path] = op.split(' ') as [string, string];
      const answer = await api.call(method, sample(path), method === 'POST' ? { body: {} } : {});
      expect([404, 405].includes(answer.status) && /Route|Method/.test(JSON.stringify(answer.body)), op).toBe(
        false,
      );
    }
    const unknown = await api.call('GET', '/api/v1/nothing');
    expect(unknown).toMatchObject({
      status: 404,
      body: { code: 'RouteNotFound', message: 'no route for /api/v1/nothing' },
    });
    const method = await api.call('DELETE', '/api/v1/remediations');
    expect(method).toMatchObject({ status: 405, body: { code: 'MethodNotAllowed' } });
    expect(method.headers.get('allow')).toBe('GET');
  });

  it('trigger: a dry-run policy decides "would act" on an anomalous target, and records it', async () => {
    // The engine's cache may lag the sandbox by a watch event: the first anomalous verdict is the one deciding.
    const answer = await waitFor('crashy judged anomalous', async () => {
      const a = await trigger('dry', 'crashy');
      expect(a.status).toBe(200);
      return a.body.targets[0]?.state === 'anomalous' ? a : undefined;
    });
    expect(answer.body.evaluated).toBe(true);
    expect(answer.body.targets.map((t) => t.state)).toEqual(['anomalous']);
    expect(answer.body.decisions).toEqual([
      expect.objectContaining({
        result: 'recommended',
        reason: 'DryRun',
        message: expect.stringMatching(/would/),
      }),
    ]);
    expect(answer.body.summary).toMatch(/^recommended \(DryRun\)/);
    // Decided through the usual path: a Remediation record for the episode, and nothing rolled out.
    const records = cluster.env.sandbox.store.list('remediations.coordination-engine.io', NS);
    expect(records.map((r) => (r.spec as { targetRef: { name: string } }).targetRef.name)).toEqual([
      'crashy',
    ]);
    const template = cluster.env.sandbox.getObject('apps', 'deployments', NS, 'crashy')?.spec as {
      template: { metadata: { annotations?: Record<string, string> } };
    };
    expect(template.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeUndefined();
  });

  it('trigger: every gate still applies (paused), a healthy target gets nothing, others are refused', async () => {
    const paused = await trigger('held', 'crashy');
    expect(paused.status).toBe(200);
    expect(paused.body.decisions).toEqual([expect.objectContaining({ result: 'skipped', reason: 'Paused' })]);
    const healthy = await trigger('calm', 'calm');
    expect(healthy.body).toMatchObject({
      targets: [{ state: 'healthy' }],
      decisions: [],
      summary: 'healthy: nothing to do',
    });
    const notSelected = await trigger('calm', 'crashy');
    expect(notSelected).toMatchObject({ status: 409, body: { code: 'TargetNotSelected' } });
    expect((await trigger('nope', 'calm')).body).toMatchObject({
      code: 'NotFound',
      message: `RemediationPolicy ${NS}/nope not found`,
    });
    expect((await trigger('calm', 'nope')).status).toBe(404);
    expect((await trigger('calm', 'calm', null)).status).toBe(401);
    const invalid = await api.call('POST', '/api/v1/remediation/trigger', {
      body: { policy: { name: 'calm' }, target: { kind: 'Job', namespace: NS, name: 'calm' } },
    });
    expect(invalid.status).toBe(400);
    expect(
      (invalid.body as { details: Array<{ field: string }> }).details.map((d) => d.field).sort(),
    ).toEqual(['body.policy.namespace', 'body.target.kind']);
  });

  it('GET a policy: its status, the latest decisions with their reasons, and the assessment behind them', async () => {
    await waitFor('the DryRun decision in the status', async () => {
      const view = await api.call<{ decisions: Array<{ reason: string }> }>(
        'GET',
        `/api/v1/policies/${NS}/dry`,
      );
      return view.body.decisions.some((d) => d.reason === 'DryRun') ? true : undefined;
    });
    const view = await api.call<Record<string, unknown>>('GET', `/api/v1/policies/${NS}/dry`);
    expect(view.body).toMatchObject({
      kind: 'RemediationPolicy',
      namespace: NS,
      name: 'dry',
      status: { phase: expect.any(String) },
      decisions: [
        expect.objectContaining({
          result: 'DryRun',
          reason: 'DryRun',
          target: { kind: 'Deployment', namespace: NS, name: 'crashy' },
        }),
      ],
      assessment: { targets: [expect.objectContaining({ name: 'crashy', state: 'anomalous' })] },
    });
    expect((await api.call('GET', `/api/v1/policies/${NS}/missing`)).body).toMatchObject({
      code: 'NotFound',
    });
    const bad = await api.call('GET', '/api/v1/policies/Shop/Bad_Name');
    expect(bad.status).toBe(400);
    expect((bad.body as { details: Array<{ field: string }> }).details.map((d) => d.field)).toEqual([
      'path.namespace',
      'path.name',
    ]);
  });

  it('GET /api/v1/remediations: filtered by namespace, policy and target, paged with a continue token', async () => {
    // Records are owned by their policy (the garbage collector deletes those whose owner does not exist).
    const uids = new Map<string, string>();
    for (const name of ['alpha', 'beta']) {
      const created = (await cluster.post(
        `/apis/coordination-engine.io/v1alpha1/namespaces/${RECORDS_NS}/remediationpolicies`,
        testPolicy(name).inNamespace(RECORDS_NS).targeting({ app: 'none' }).build(),
      )) as { metadata: { uid: string } };
      uids.set(name, created.metadata.uid);
    }
    const policyRef = (name: string) => ({
      kind: 'RemediationPolicy' as const,
      name,
      namespace: RECORDS_NS,
      uid: uids.get(name) ?? '',
    });
    const made: string[] = [];
    for (const [p, target, start] of [
      ['alpha', 'web-1', 1],
      ['alpha', 'web-2', 2],
      ['alpha', 'db', 3],
      ['beta', 'web-1', 4],
      ['beta', 'cache', 5],
    ] as const) {
      const draft = draftRemediation({
        policy: policyRef(p),
        target: {
          apiVersion: 'apps/v1',
          kind: target === 'db' ? 'StatefulSet' : 'Deployment',
          namespace: RECORDS_NS,
          name: target,
          uid: `uid-${target}`,
        },
        dryRun: true,
        // Recent: the engine closes these episodes (their targets do not exist) but keeps them for the retention.
        episodeStartMs: Date.now() - (10 - start) * 1000,
      });
      await cluster.post(`/apis/coordination-engine.io/v1alpha1/namespaces/${RECORDS_NS}/remediations`, {
        apiVersion: 'coordination-engine.io/v1alpha1',
        kind: 'Remediation',
        metadata: draft.metadata,
        spec: draft.spec,
      });
      made.push(draft.metadata.name);
    }
    type Page = {
      items: Array<{ name: string; namespace: string; policy: { name: string }; target: { name: string } }>;
      continue?: string;
    };
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await api.call<Page>(
        'GET',
        `/api/v1/remediations?namespace=${RECORDS_NS}&limit=2${token ? `&continue=${token}` : ''}`,
      );
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      names.push(...page.body.items.map((i) => i.name));
      token = page.body.continue;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(names).toEqual([...made].sort());
    const get = async (query: string) =>
      (await api.call<Page>('GET', `/api/v1/remediations?${query}`)).body.items;
    expect((await get('policy=beta')).map((i) => i.target.name)).toEqual(['cache', 'web-1']);
    expect((await get('target=web-1')).map((i) => i.policy.name)).toEqual(['alpha', 'beta']);
    expect((await get('target=StatefulSet/db')).map((i) => i.name)).toEqual([made[2]]);
    expect(await get('target=Deployment/db')).toEqual([]);
    // Across namespaces, namespace first: these five, then the episodes the triggers opened in shop (dry, held).
    const all = (await get('')).map((i) => `${i.namespace}/${i.policy.name}`);
    expect(all).toEqual([
      ...Array(3).fill(`${RECORDS_NS}/alpha`),
      ...Array(2).fill(`${RECORDS_NS}/beta`),
      `${NS}/dry`,
      `${NS}/held`,
    ]);
    for (const [query, field] of [
      ['limit=0', 'query.limit'],
      ['limit=x', 'query.limit'],
      ['continue=garbage', 'query.continue'],
      ['namespace=Bad', 'query.namespace'],
      ['target=Job/x', 'query.target'],
      ['colour=red', 'query.colour'],
    ]) {
      const answer = await api.call('GET', `/api/v1/remediations?${query}`);
      expect(answer.status, query).toBe(400);
      expect((answer.body as { details: Array<{ field: string }> }).details[0]?.field, query).toBe(field);
    }
  });

  it('a follower with --namespaces reads records only there, and has no assessment of its own', async () => {
    await heldLease(cluster.post, 'held');
    const follower = await engineOn(cluster.env, {
      lease: 'held',
      identity: 'follower',
      namespaces: RECORDS_NS,
    });
    try {
      type Page = { items: Array<{ namespace: string }> };
      const all = await follower.call<Page>('GET', '/api/v1/remediations');
      expect(all.status).toBe(200);
      expect(new Set(all.body.items.map((i) => i.namespace))).toEqual(new Set([RECORDS_NS]));
      expect(all.body.items).toHaveLength(5);
      expect((await follower.call<Page>('GET', `/api/v1/remediations?namespace=${NS}`)).body.items).toEqual(
        [],
      );
      const view = await follower.call('GET', `/api/v1/policies/${RECORDS_NS}/alpha`);
      expect(view.body).toMatchObject({
        name: 'alpha',
        assessment: null,
        assessmentNote: expect.stringMatching(/not the leader/),
      });
      const trigger = await follower.call('POST', '/api/v1/remediation/trigger', {
        body: {
          policy: { namespace: RECORDS_NS, name: 'alpha' },
          target: { kind: 'Deployment', namespace: RECORDS_NS, name: 'x' },
        },
      });
      expect(trigger).toMatchObject({ status: 503, body: { code: 'NotLeader' } });
    } finally {
      await follower.engine.stop();
    }
  }, 60_000);

  it('GET features: 404 JSON for a pod without a vector (no metrics here), 400 for a name that cannot be one', async () => {
    const unknown = await api.call('GET', `/api/v1/features/${NS}/nothing-here`);
    expect(unknown).toMatchObject({
      status: 404,
      body: { code: 'NotFound', message: expect.stringMatching(/no feature vector/) },
    });
    const bad = await api.call('GET', `/api/v1/features/${NS}/UPPER`);
    expect(bad).toMatchObject({
      status: 400,
      body: { code: 'InvalidParameter', message: expect.stringMatching(/^path\.pod: /) },
    });
    expect(
      await api.metric(
        'coordination_engine_api_requests_total',
        'route="/api/v1/features/{namespace}/{pod}",method="GET",code="404"',
      ),
    ).toBeGreaterThanOrEqual(1);
  });
});
