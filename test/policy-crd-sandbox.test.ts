import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { JsonObject } from '../src/json/json-value.js';
import { KubeApiError } from '../src/kube/rest-client.js';
import { sandboxWithCrd } from './e2e/engine-harness.js';
import { testPolicy } from './support/policy-fixtures.js';

/** The CRD as an API server sees it: accepted as structural, defaulting and validating like the zod schema. */
describe('RemediationPolicy CRD served by the sandbox', () => {
  let env: Awaited<ReturnType<typeof sandboxWithCrd>>;
  beforeAll(async () => {
    env = await sandboxWithCrd();
    for (const ns of ['payments', 'platform']) {
      env.sandbox.create('', 'v1', 'namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns },
      });
    }
  });
  afterAll(async () => {
    await env.cleanup();
  });

  const post = (policy: JsonObject) => {
    const ns = String((policy.metadata as JsonObject).namespace);
    return env.rest.request<JsonObject>({
      method: 'POST',
      path: `/apis/coordination-engine.io/v1alpha1/namespaces/${ns}/remediationpolicies`,
      body: policy,
    });
  };

  it('accepts every example', async () => {
    const dir = new URL('../examples/', import.meta.url);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      await expect(
        post(parse(readFileSync(new URL(file, dir), 'utf8')) as JsonObject),
      ).resolves.toBeDefined();
    }
  });

  it('applies the conservative defaults server-side', async () => {
    const created = await post(testPolicy('defaults').build() as JsonObject);
    expect((created.spec as JsonObject).safety).toMatchObject({
      dryRun: true,
      maxConcurrent: 1,
      minHealthy: '50%',
      stormThreshold: '30%',
    });
  });

  it('accepts int-or-percent in both forms and rejects a bad percentage naming the field', async () => {
    await expect(
      post(testPolicy('count').withSafety({ minHealthy: 2, stormThreshold: '40%' }).build() as JsonObject),
    ).resolves.toBeDefined();
    const error = await post(
      testPolicy('bad').withSafety({ minHealthy: '150%' }).build() as JsonObject,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as KubeApiError).status).toBe(422);
    expect((error as KubeApiError).message).toContain('spec.safety.minHealthy');
  });
});
