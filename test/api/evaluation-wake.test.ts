import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPolicy } from '../support/policy-fixtures.js';
import { waitFor } from '../support/wait-for.js';
import { type EngineUnderTest, engineOn, startCluster } from './api-stack.js';

// The evaluation loop sleeps until a policy is due; it does not look for new and edited policies every second.
// Their informer events wake it. Here its safety-net beat is an hour long: only the wake can assess them.
const NS = 'wake';
const policiesPath = `/apis/coordination-engine.io/v1alpha1/namespaces/${NS}/remediationpolicies`;
const policy = (name: string) =>
  testPolicy(name)
    .inNamespace(NS)
    .targeting({ app: 'none' })
    .withSpecField('evaluationInterval', '10m')
    .build();

let cluster: Awaited<ReturnType<typeof startCluster>>;
let api: EngineUnderTest;
let beforeEvaluatedAt: string;

type View = { generation: number; assessment: { evaluatedAt: string } | null };
const view = async (name: string) => (await api.call<View>('GET', `/api/v1/policies/${NS}/${name}`)).body;

beforeAll(async () => {
  cluster = await startCluster([NS]);
  await cluster.post(policiesPath, policy('before'));
  api = await engineOn(cluster.env, { evaluationBeatMs: 3_600_000 });
  // The loop's first pass (as leadership begins) has run: from here on nothing is due for ten minutes.
  const first = await waitFor('the first pass', async () => (await view('before')).assessment ?? undefined, {
    timeoutMs: 20_000,
  });
  beforeEvaluatedAt = first.evaluatedAt;
}, 60_000);

afterAll(async () => {
  await api?.engine.stop();
  await cluster?.stop();
});

describe('the evaluation loop, woken by policy events', () => {
  it('assesses a new policy at once, and again when its spec changes', async () => {
    await cluster.post(policiesPath, policy('woken'));
    const first = await waitFor(
      'the new policy assessed',
      async () => (await view('woken')).assessment ?? undefined,
      {
        timeoutMs: 10_000,
      },
    );
    await cluster.env.rest.request({
      method: 'PATCH',
      path: `${policiesPath}/woken`,
      body: { spec: { targets: { kinds: ['Deployment'] } } },
      contentType: 'application/merge-patch+json',
    });
    const second = await waitFor(
      'the edited policy assessed at generation 2',
      async () => {
        const v = await view('woken');
        return (v.generation === 2 && v.assessment) || undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(Date.parse(second.evaluatedAt)).toBeGreaterThan(Date.parse(first.evaluatedAt));
    // A woken pass assesses what is due, not everything: the first policy is not due again for ten minutes.
    expect((await view('before')).assessment?.evaluatedAt).toBe(beforeEvaluatedAt);
  });
});
