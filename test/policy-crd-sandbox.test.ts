import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../src/json/json-value.js';
import { KubeApiError } from '../src/kube/rest-client.js';
import { CLUSTER_POLICY_PLURAL, POLICY_PLURAL } from '../src/policy/api-group.js';
import { sandboxWithCrd } from './e2e/engine-harness.js';
import { testPolicy } from './support/policy-fixtures.js';

/** The CRDs as an API server sees them: accepted as structural, defaulting and validating like the zod schema. */
describe('policy CRDs served by the sandbox', () => {
  let env: Awaited<ReturnType<typeof sandboxWithCrd>>;
  beforeAll(async () => {
    // Installs every CRD in crds/, ClusterRemediationPolicy included.
    env = await sandboxWithCrd();
  });
  afterAll(async () => {
    await env.cleanup();
  });

  const post = (policy: JsonObject, strict = false) => {
    const ns = (policy.metadata as JsonObject).namespace;
    return env.rest.request<JsonObject>({
      method: 'POST',
      path:
        typeof ns === 'string'
          ? `/apis/coordination-engine.io/v1alpha1/namespaces/${ns}/${POLICY_PLURAL}`
          : `/apis/coordination-engine.io/v1alpha1/${CLUSTER_POLICY_PLURAL}`,
      body: policy,
      ...(strict ? { query: { fieldValidation: 'Strict' } } : {}),
    });
  };
  const rejection = async (promise: Promise<unknown>, status = 422) => {
    const error = await promise.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as KubeApiError).status).toBe(status);
    return (error as KubeApiError).message;
  };

  it('applies the conservative defaults server-side', async () => {
    const created = await post(testPolicy('defaults').build() as JsonObject);
    const spec = created.spec as JsonObject;
    expect(spec.safety).toMatchObject({
      dryRun: true,
      maxConcurrent: 1,
      maxUnhealthy: '50%',
      storm: { threshold: '50%', minTargets: 4, cooldown: '15m' },
      ownership: { gitOps: 'Recommend', helm: 'Recommend', operator: 'Refuse' },
    });
    expect(spec.recordRetention).toBe('168h');
    expect((spec.actions as JsonObject[])[0]).toEqual({
      name: 'restart',
      type: 'RestartPod',
      verificationWindow: '5m',
    });
    expect(((spec.detection as JsonObject).ml as JsonObject).actOnFallback).toBe(false);
    // minConfidence stays unset: it falls back to ml.minConfidence at use, as in spec-schema.ts.
    expect(((spec.detection as JsonObject).ml as JsonObject).prediction).toEqual({ horizon: '30m' });
  });

  it('accepts int-or-percent in both forms and rejects a bad percentage naming the field', async () => {
    await expect(
      post(
        testPolicy('count')
          .withSafety({ maxUnhealthy: 2, storm: { threshold: '40%' } })
          .withActions({ name: 'restart', type: 'RestartPod', restartPod: { maxUnavailable: '25%' } })
          .build() as JsonObject,
      ),
    ).resolves.toBeDefined();
    const message = await rejection(
      post(testPolicy('bad').withSafety({ maxUnhealthy: '150%' }).build() as JsonObject),
    );
    expect(message).toContain('spec.safety.maxUnhealthy');
  });

  it('rejects a repeated step name (the ladder is a list-map keyed by name) and a name that is not a DNS label', async () => {
    const duplicate = await rejection(
      post(
        testPolicy('dup')
          .withActions({ name: 'restart', type: 'RestartPod' }, { name: 'restart', type: 'RolloutRestart' })
          .build() as JsonObject,
      ),
    );
    expect(duplicate).toContain('spec.actions[1]');
    const badName = await rejection(
      post(testPolicy('caps').withActions({ name: 'Restart_Pod', type: 'RestartPod' }).build() as JsonObject),
    );
    expect(badName).toContain('spec.actions[0].name');
    const noName = await rejection(
      post(testPolicy('anon').withActions({ type: 'RestartPod' }).build() as JsonObject),
    );
    expect(noName).toContain('spec.actions[0].name');
  });

  it('serves ClusterRemediationPolicy cluster-scoped, with a namespaceSelector', async () => {
    const created = await post(
      testPolicy('prod-wide')
        .clusterWide({ matchLabels: { env: 'prod' } })
        .build() as JsonObject,
      true,
    );
    expect(created.kind).toBe('ClusterRemediationPolicy');
    expect((created.metadata as JsonObject).namespace).toBeUndefined();
    expect((created.spec as JsonObject).targets).toMatchObject({
      namespaceSelector: { matchLabels: { env: 'prod' } },
    });
  });

  it('a RemediationPolicy has no namespaceSelector: strict field validation names it as unknown', async () => {
    const policy = testPolicy('wide').build() as JsonObject;
    (policy.spec as JsonObject).targets = { namespaceSelector: { matchLabels: { env: 'prod' } } };
    // As the real API server: a strict decoding error is a 400 BadRequest, not a 422.
    const message = await rejection(post(policy, true), 400);
    expect(message).toContain('spec.targets.namespaceSelector');
  });

  it('rejects cross-field mistakes at once through its CEL rules, naming the field (kubectl apply)', async () => {
    const cases: Array<
      [string, (p: ReturnType<typeof testPolicy>) => ReturnType<typeof testPolicy>, RegExp]
    > = [
      [
        'block-on-wrong-type',
        (p) => p.withActions({ name: 'restart', type: 'RolloutRestart', restartPod: { maxUnavailable: 1 } }),
        /spec\.actions\[0\]: Invalid value: "object": restartPod is only allowed when type is RestartPod/,
      ],
      [
        'scale-bounds',
        (p) => p.withActions({ name: 'out', type: 'Scale', scale: { minReplicas: 5, maxReplicas: 2 } }),
        /spec\.actions\[0\]\.scale: Invalid value: "object": minReplicas must not exceed maxReplicas/,
      ],
      [
        'two-inputs',
        (p) =>
          p.withRule({
            name: 'both',
            feature: 'container_restart_count.diff',
            signal: 'CrashLoopBackOff',
            operator: '>',
            value: 0,
          }),
        /spec\.detection\.rules\[0\]: Invalid value: "object": set exactly one of feature or signal/,
      ],
      [
        'shadow-in-hybrid',
        (p) => p.withMode('Hybrid').withMl({ shadow: true }),
        /spec\.detection\.ml\.shadow: Invalid value: "object": ml\.shadow is only allowed when mode is Rules/,
      ],
      [
        'shadow-kserve-without-model',
        (p) => p.withMl({ shadow: true, backend: 'kserve' }),
        /spec\.detection: Invalid value: "object": ml\.model is required when ml\.backend is kserve/,
      ],
      [
        'pattern-in-shadow',
        (p) => p.withMl({ shadow: true, endpoints: ['anomaly', 'pattern'] }),
        /spec\.detection\.ml\.endpoints: Invalid value: "object": ml\.endpoints may not include pattern when ml\.shadow is set/,
      ],
      [
        'prediction-in-rules',
        (p) => p.withMl({ endpoints: ['anomaly', 'prediction'] }),
        /spec\.detection\.ml\.endpoints: Invalid value: "object": ml\.endpoints may include prediction only when mode is ML or Hybrid/,
      ],
    ];
    const dir = env.dir;
    for (const [name, shape, expected] of cases) {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, JSON.stringify(shape(testPolicy(name)).build()));
      const error = await promisify(execFile)('kubectl', [
        '--kubeconfig',
        join(dir, 'kubeconfig'),
        'apply',
        '-f',
        file,
      ]).then(
        () => undefined,
        (e: { stderr?: string }) => e.stderr ?? '',
      );
      expect(error, name).toMatch(expected);
      expect(
        env.sandbox.getObject('coordination-engine.io', POLICY_PLURAL, 'default', name),
        name,
      ).toBeUndefined();
    }
  });

  it('kubectl prints LAST ACTION from status.lastAction for both kinds', async () => {
    const lastAction = {
      time: '2026-01-01T00:00:00Z',
      target: { kind: 'Deployment', namespace: 'default', name: 'web' },
      step: 'roll',
      action: 'RolloutRestart',
      result: 'Succeeded',
    };
    const counters = { actions: 1, skips: 0, escalations: 0, succeeded: 1, failed: 0 };
    for (const [policy, path] of [
      [testPolicy('printed').build(), `namespaces/default/${POLICY_PLURAL}/printed`],
      [testPolicy('printed-wide').clusterWide().build(), `${CLUSTER_POLICY_PLURAL}/printed-wide`],
    ] as const) {
      const created = await post(policy as JsonObject);
      await env.rest.request({
        method: 'PUT',
        path: `/apis/coordination-engine.io/v1alpha1/${path}/status`,
        body: { ...created, status: { lastAction, counters } },
      });
    }
    const kubectl = (...args: string[]) =>
      promisify(execFile)('kubectl', ['--kubeconfig', join(env.dir, 'kubeconfig'), ...args], {
        timeout: 30_000,
      });
    for (const args of [
      ['get', 'rp', 'printed', '-n', 'default'],
      ['get', 'crp', 'printed-wide'],
    ]) {
      const { stdout } = await kubectl(...args);
      const [header = '', row = ''] = stdout.trim().split('\n');
      const column = header.indexOf('LAST ACTION');
      expect(column).toBeGreaterThan(0);
      expect(row.slice(column).split(/\s+/)[0]).toBe('RolloutRestart');
    }
  });

  it('kubectl prints SHADOW AGREE from status.shadow, which the status schema accepts', async () => {
    const created = await post(testPolicy('shadowed').withMl({ shadow: true }).build() as JsonObject);
    const shadow = {
      agree: 45,
      mlOnly: 3,
      rulesOnly: 2,
      unjudged: 7,
      agreement: '45/50',
      lastUpdate: '2026-01-01T00:00:00Z',
    };
    await env.rest.request({
      method: 'PUT',
      path: `/apis/coordination-engine.io/v1alpha1/namespaces/default/${POLICY_PLURAL}/shadowed/status`,
      body: { ...created, status: { shadow } },
    });
    expect(
      (
        env.sandbox.getObject('coordination-engine.io', POLICY_PLURAL, 'default', 'shadowed')
          ?.status as JsonObject
      )?.shadow,
    ).toEqual(shadow);
    const { stdout } = await promisify(execFile)(
      'kubectl',
      ['--kubeconfig', join(env.dir, 'kubeconfig'), 'get', 'rp', 'shadowed', '-n', 'default'],
      { timeout: 30_000 },
    );
    const [header = '', row = ''] = stdout.trim().split('\n');
    const column = header.indexOf('SHADOW AGREE');
    expect(column).toBeGreaterThan(0);
    expect(row.slice(column).split(/\s+/)[0]).toBe('45/50');
  });
});
