import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/json/json-value.js';
import type { KubeRest } from '../../src/kube/rest-client.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { deploymentFixture } from '../sandbox/fixtures.js';
import { testPolicy } from '../support/policy-fixtures.js';
import { waitFor } from '../support/wait-for.js';
import {
  clusterPolicyStatus,
  type EngineProcess,
  policyStatus,
  readyCondition,
  sandboxWithCrd,
  startEngineProcess,
  stopProcess,
  waitForReady,
} from './engine-harness.js';

const run = promisify(execFile);
const API = '/apis/coordination-engine.io/v1alpha1';

/**
 * A ClusterRemediationPolicy served end to end by the engine process: it selects workloads across the namespaces
 * its namespaceSelector picks (by the Namespace objects' labels), follows a namespace that gains the label, and
 * gets its status on the cluster-scoped object and its Events in "default". A RemediationPolicy beside it never
 * reaches out of its own namespace. No Prometheus: target counts come from selection alone.
 */
describe('engine end to end: ClusterRemediationPolicy', () => {
  let env: Awaited<ReturnType<typeof sandboxWithCrd>>;
  let sandbox: Sandbox;
  let rest: KubeRest;
  let engine: EngineProcess | undefined;

  const namespace = (name: string, labels: Record<string, string> = {}) =>
    sandbox.create('', 'v1', 'namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels },
    });
  const createDeployment = (namespace: string, name: string) =>
    sandbox.create('apps', 'v1', 'deployments', {
      ...deploymentFixture(name),
      metadata: { name, namespace, labels: { app: 'web' } },
    } as unknown as JsonObject);
  const post = (path: string, body: unknown) => rest.request({ method: 'POST', path, body });
  const clusterTotal = (name: string) => clusterPolicyStatus(sandbox, name)?.targets?.total;
  const kubectl = async (...args: string[]) => {
    const kubeconfig = join(env.dir, 'kubeconfig');
    const cache = join(env.dir, 'kubectl-cache');
    const { stdout } = await run('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', cache, ...args], {
      timeout: 30_000,
    });
    return stdout;
  };

  /** Deployments only (no simulator runs, so there are no pods), labelled app=web. */
  const webDeployments = () =>
    testPolicy('unused').withSpecField('targets', {
      selector: { matchLabels: { app: 'web' } },
      kinds: ['Deployment'],
    });

  beforeAll(async () => {
    env = await sandboxWithCrd();
    sandbox = env.sandbox;
    rest = env.rest;
    namespace('team-a', { env: 'prod' });
    namespace('team-b', { env: 'dev' });
    namespace('prod-2', { env: 'prod' });
    namespace('staging');
    createDeployment('team-a', 'web-1');
    createDeployment('team-a', 'web-2');
    createDeployment('team-b', 'web-1');
    createDeployment('prod-2', 'web-1');
    createDeployment('staging', 'web-1');
    // Watching only some namespaces must not narrow the cluster-scoped caches (policies, Namespaces).
    engine = await startEngineProcess(join(env.dir, 'kubeconfig'), 'solo', [
      '--namespaces',
      'team-a,team-b,prod-2,staging',
    ]);

    const clusterPolicy = webDeployments().build();
    await post(`${API}/clusterremediationpolicies`, {
      ...clusterPolicy,
      kind: 'ClusterRemediationPolicy',
      metadata: { name: 'prod-web' },
      spec: {
        ...(clusterPolicy.spec as JsonObject),
        targets: {
          ...((clusterPolicy.spec as JsonObject).targets as JsonObject),
          namespaceSelector: { matchLabels: { env: 'prod' } },
        },
      },
    });
    await post(`${API}/namespaces/team-a/remediationpolicies`, {
      ...webDeployments().build(),
      metadata: { name: 'only-a', namespace: 'team-a' },
    });
  });

  afterAll(async () => {
    await stopProcess(engine);
    await env?.cleanup();
  });

  it('selects Deployments of the env=prod namespaces only and reports Ready=True on the cluster-scoped object', async () => {
    const status = await waitFor(
      'prod-web Ready=True at generation 1',
      () => {
        const s = clusterPolicyStatus(sandbox, 'prod-web');
        return s?.observedGeneration === 1 && readyCondition(s)?.status === 'True' ? s : undefined;
      },
      { timeoutMs: 20_000 },
    );
    // team-a (2) + prod-2 (1); team-b is env=dev and staging has no label.
    expect(status.targets?.total).toBe(3);
    expect(readyCondition(status)).toMatchObject({ reason: 'Reconciled', observedGeneration: 1 });
    // The real kubectl reads the same from the cluster-scoped resource (its printer column too).
    expect(await kubectl('get', 'crp', 'prod-web', '-o', 'jsonpath={.status.targets.total}')).toBe('3');
    expect(await kubectl('get', 'clusterremediationpolicies')).toMatch(/^prod-web\s+\S+\s+Rules\s+3\s/m);
  });

  it('a RemediationPolicy counts workloads of its own namespace only', async () => {
    const status = await waitForReady(sandbox, 'team-a', 'only-a', 1);
    expect(status.targets?.total).toBe(2);
  });

  it('picks up a namespace that gains the selected label, with no workload changing', async () => {
    await waitFor('prod-web counts 3', () => clusterTotal('prod-web') === 3, { timeoutMs: 20_000 });
    await rest.request({
      method: 'PATCH',
      path: '/api/v1/namespaces/staging',
      body: { metadata: { labels: { env: 'prod' } } },
      contentType: 'application/merge-patch+json',
    });
    await waitFor('prod-web counts staging too', () => clusterTotal('prod-web') === 4, { timeoutMs: 20_000 });
  });

  it('follows new workloads in covered namespaces and ignores those of other namespaces', async () => {
    await waitFor('prod-web counts 4', () => clusterTotal('prod-web') === 4, { timeoutMs: 20_000 });
    // team-b first: once the later team-a Deployment is counted, the team-b one has been seen as well.
    createDeployment('team-b', 'web-2');
    createDeployment('team-a', 'web-3');
    await waitFor(
      'only-a counts web-3',
      () => policyStatus(sandbox, 'team-a', 'only-a')?.targets?.total === 3,
      {
        timeoutMs: 20_000,
      },
    );
    await waitFor('prod-web counts web-3', () => clusterTotal('prod-web') === 5, { timeoutMs: 20_000 });
    expect(policyStatus(sandbox, 'team-a', 'only-a')?.targets?.total).toBe(3);
  });

  it('records Events about a cluster policy in "default", without an involvedObject namespace', async () => {
    await post(`${API}/clusterremediationpolicies`, {
      ...testPolicy('bad-wide')
        .clusterWide()
        .withRule({ name: 'r', feature: 'pod_cpu_usage.p99', operator: '>', value: 1 })
        .build(),
    });
    const ready = await waitFor(
      'bad-wide judged invalid',
      () => {
        const condition = readyCondition(clusterPolicyStatus(sandbox, 'bad-wide'));
        return condition?.status === 'False' ? condition : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(ready.reason).toBe('InvalidSpec');
    expect(ready.message).toContain('spec.detection.rules[0].feature');
    const event = await waitFor('InvalidSpec Event on bad-wide', () =>
      sandbox.store
        .list('events', 'default')
        .find((e) => e.reason === 'InvalidSpec' && (e.involvedObject as JsonObject).name === 'bad-wide'),
    );
    expect(event.type).toBe('Warning');
    expect(event.involvedObject).toMatchObject({ kind: 'ClusterRemediationPolicy', name: 'bad-wide' });
    expect((event.involvedObject as JsonObject).namespace).toBeUndefined();
    // kubectl describe finds a cluster-scoped object's Events by an empty involvedObject.namespace.
    expect(await kubectl('describe', 'crp', 'bad-wide')).toMatch(/Warning\s+InvalidSpec/);
  });
});
