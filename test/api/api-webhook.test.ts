import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appDeployment } from '../e2e/workload-fixtures.js';
import { testPolicy } from '../support/policy-fixtures.js';
import { waitFor } from '../support/wait-for.js';
import { type EngineUnderTest, engineOn, heldLease, payload, startCluster, TOKEN } from './api-stack.js';

/**
 * The Alertmanager webhook over real HTTP on a running engine with real sandbox objects: authentication (401,
 * a disabled webhook, a rotated token), malformed payloads (400 naming the field, 413, 415), what becomes of each
 * alert (evaluating, resolved, duplicate, no_target, unknown_target, not_selected), Events, metrics, and a
 * replica that is not the leader (503, nothing done). Alerts from a real Alertmanager: test/e2e/alertmanager-webhook.test.ts.
 */
const NS = 'hooks';
let cluster: Awaited<ReturnType<typeof startCluster>>;
let leader: EngineUnderTest;
const others: EngineUnderTest[] = [];

const webPod = () =>
  cluster.env.sandbox.store
    .list('pods', NS)
    .map((p) => (p.metadata as { name: string }).name)
    .find((n) => n.startsWith('web-'));

beforeAll(async () => {
  cluster = await startCluster([NS]);
  const { post } = cluster;
  await post(
    `/apis/apps/v1/namespaces/${NS}/deployments`,
    appDeployment({ name: 'web', imagePrefix: NS, replicas: 1 }),
  );
  await post(
    `/apis/apps/v1/namespaces/${NS}/deployments`,
    appDeployment({ name: 'lonely', imagePrefix: NS, replicas: 1 }),
  );
  const policy = testPolicy('web')
    .inNamespace(NS)
    .targeting({ app: 'web' })
    .withRule({ name: 'crashing', signal: 'CrashLoopBackOff', operator: '==', value: 1, for: '0s' })
    .withActions({ name: 'roll', type: 'RolloutRestart' })
    .withSafety({ dryRun: true })
    .withSpecField('evaluationInterval', '10m')
    .build();
  await post(`/apis/coordination-engine.io/v1alpha1/namespaces/${NS}/remediationpolicies`, policy);
  await waitFor('a pod of web', webPod, { timeoutMs: 20_000 });
  leader = await engineOn(cluster.env);
}, 90_000);

afterAll(async () => {
  for (const e of [leader, ...others]) await e?.engine.stop();
  await cluster?.stop();
});

const alerts = (...list: Parameters<typeof payload>[0]) => payload(list);

describe('POST /api/v1/alerts', () => {
  it('refuses a missing or wrong bearer token with 401, counted', async () => {
    const body = alerts({ labels: { namespace: NS, deployment: 'web' }, fingerprint: 'a1' });
    const missing = await leader.call('POST', '/api/v1/alerts', { body, token: null });
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({
      code: 'Unauthorized',
      message: expect.stringMatching(/missing bearer/),
    });
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await leader.call('POST', '/api/v1/alerts', { body, token: `${TOKEN}x` });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ code: 'Unauthorized', message: 'wrong bearer token' });
    expect(await leader.metric('coordination_engine_webhook_requests_total', 'result="unauthorized"')).toBe(
      2,
    );
  });

  it('answers a malformed payload with 400 naming the field, 415 without JSON, 413 when too large', async () => {
    const bad = await leader.call('POST', '/api/v1/alerts', { raw: '{"version": "4", ' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'InvalidJson' });
    const version = await leader.call('POST', '/api/v1/alerts', { body: { ...alerts(), version: '3' } });
    expect(version.status).toBe(400);
    expect(version.body).toMatchObject({
      code: 'InvalidBody',
      message: expect.stringMatching(/^body\.version: /),
    });
    const noPrint = alerts({ labels: { namespace: NS }, fingerprint: 'x' });
    delete (noPrint.alerts[0] as { fingerprint?: string }).fingerprint;
    const missing = await leader.call('POST', '/api/v1/alerts', { body: noPrint });
    expect(missing.status).toBe(400);
    expect((missing.body as { details: Array<{ field: string }> }).details.map((d) => d.field)).toEqual([
      'body.alerts[0].fingerprint',
    ]);
    const form = await leader.call('POST', '/api/v1/alerts', { raw: 'a=b', contentType: 'text/plain' });
    expect(form.status).toBe(415);
    expect(form.body).toMatchObject({ code: 'UnsupportedMediaType' });
    const huge = await leader.call('POST', '/api/v1/alerts', { raw: `"${'x'.repeat(1_100_000)}"` });
    expect(huge.status).toBe(413);
    expect(huge.body).toMatchObject({ code: 'PayloadTooLarge' });
    expect(await leader.metric('coordination_engine_webhook_requests_total', 'result="malformed"')).toBe(3);
    expect(await leader.metric('coordination_engine_webhook_requests_total', 'result="too_large"')).toBe(1);
  });

  it('evaluates the workload an alert names at once, records resolved alerts, and deduplicates repeats', async () => {
    const pod = webPod() as string;
    const body = alerts(
      { labels: { namespace: NS, pod }, fingerprint: 'f-web' },
      { status: 'resolved', labels: { namespace: NS, deployment: 'web' }, fingerprint: 'f-old' },
      { labels: { job: 'node' }, fingerprint: 'f-none' },
      { labels: { namespace: NS, deployment: 'ghost' }, fingerprint: 'f-ghost' },
      { labels: { namespace: NS, deployment: 'lonely' }, fingerprint: 'f-lonely' },
      { status: 'resolved', labels: { namespace: NS, pod: 'replaced-long-ago' }, fingerprint: 'f-gone' },
    );
    const first = await leader.call<{ alerts: Array<{ result: string; policies?: string[] }> }>(
      'POST',
      '/api/v1/alerts',
      { body },
    );
    expect(first.status).toBe(200);
    expect(first.body.alerts.map((a) => a.result)).toEqual([
      'evaluating',
      'resolved',
      'no_target',
      'unknown_target',
      'not_selected',
      'resolved',
    ]);
    expect(first.body.alerts[0]?.policies).toEqual([`${NS}/web`]);

    // The evaluation it started: the pod's Deployment under the policy that selects it, assessed and decided.
    const seen = await waitFor('the evaluation of web', async () => {
      const recent = await leader.call<{
        items: Array<{ fingerprint: string; evaluations?: Array<Record<string, unknown>> }>;
      }>('GET', '/api/v1/alerts');
      return recent.body.items.find((i) => i.fingerprint === 'f-web')?.evaluations?.[0];
    });
    expect(seen).toMatchObject({
      policy: { kind: 'RemediationPolicy', namespace: NS, name: 'web' },
      evaluated: true,
      targets: [{ kind: 'Deployment', namespace: NS, name: 'web', state: 'healthy' }],
    });
    expect(seen.delayMs).toBeLessThan(1_000);
    expect(await leader.metric('coordination_engine_webhook_evaluations_total', 'result="evaluated"')).toBe(
      1,
    );

    const events = () =>
      cluster.env.sandbox.store
        .list('events', NS)
        .map((e) => [(e.involvedObject as { kind: string; name: string }).name, e.reason as string]);
    // Each on the object the alert names: the pod for the firing one, the Deployment for the resolved one.
    await waitFor('the alert Events', () => {
      const reasons = events().map(([name, reason]) => `${name} ${reason}`);
      return reasons.includes(`${pod} AlertReceived`) && reasons.includes('web AlertResolved')
        ? true
        : undefined;
    });

    // Alertmanager re-sends the group: what was acted on is a duplicate; the rest is looked at again.
    const again = await leader.call<{ alerts: Array<{ result: string }> }>('POST', '/api/v1/alerts', {
      body,
    });
    expect(again.body.alerts.map((a) => a.result)).toEqual([
      'duplicate',
      'duplicate',
      'no_target',
      'unknown_target',
      'not_selected',
      'duplicate',
    ]);
    const count = (status: string, result: string) =>
      leader.metric('coordination_engine_webhook_alerts_total', `status="${status}",result="${result}"`);
    expect(await count('firing', 'evaluating')).toBe(1);
    expect(await count('firing', 'duplicate')).toBe(1);
    expect(await count('resolved', 'duplicate')).toBe(2);
    expect(await count('resolved', 'resolved')).toBe(2);
    expect(await count('firing', 'no_target')).toBe(2);
    expect(await count('firing', 'not_selected')).toBe(2);
    expect(await leader.metric('coordination_engine_webhook_evaluations_total', 'result="evaluated"')).toBe(
      1,
    );
  });

  it('follows a rotated token file without a restart', async () => {
    const file = join(cluster.env.dir, 'token');
    const body = alerts({ labels: { job: 'none' }, fingerprint: 'rot' });
    writeFileSync(file, 'rotated-token\n');
    try {
      expect((await leader.call('POST', '/api/v1/alerts', { body })).status).toBe(401);
      expect((await leader.call('POST', '/api/v1/alerts', { body, token: 'rotated-token' })).status).toBe(
        200,
      );
      writeFileSync(file, '');
      const empty = await leader.call('POST', '/api/v1/alerts', { body, token: '' });
      expect(empty.status).toBe(503);
      expect(empty.body).toMatchObject({ code: 'TokenUnavailable' });
    } finally {
      writeFileSync(file, `${TOKEN}\n`);
    }
    expect((await leader.call('POST', '/api/v1/alerts', { body })).status).toBe(200);
  });

  it('on a replica that is not the leader answers 503 and does nothing; without a token file it is disabled', async () => {
    await heldLease(cluster.post, 'held');
    const follower = await engineOn(cluster.env, { lease: 'held', identity: 'follower' });
    others.push(follower);
    const disabled = await engineOn(cluster.env, { lease: 'held', identity: 'disabled', tokenFile: null });
    others.push(disabled);
    const body = alerts({ labels: { namespace: NS, deployment: 'web' }, fingerprint: 'f-follower' });
    const refused = await follower.call('POST', '/api/v1/alerts', { body });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: 'NotLeader' });
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await follower.metric('coordination_engine_webhook_requests_total', 'result="not_leader"')).toBe(
      1,
    );
    expect(
      await follower.metric(
        'coordination_engine_webhook_alerts_total',
        'status="firing",result="evaluating"',
      ),
    ).toBe(0);
    const off = await disabled.call('POST', '/api/v1/alerts', { body });
    expect(off.status).toBe(404);
    expect(off.body).toMatchObject({
      code: 'Disabled',
      message: expect.stringMatching(/WEBHOOK_TOKEN_FILE/),
    });
    expect(await disabled.metric('coordination_engine_webhook_requests_total', 'result="disabled"')).toBe(1);
  }, 60_000);
});
