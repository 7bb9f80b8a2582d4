import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { JsonObject } from '../src/json/json-value.js';
import {
  CLUSTER_POLICY_KIND,
  CLUSTER_POLICY_PLURAL,
  POLICY_API_VERSION,
  POLICY_KIND,
  POLICY_PLURAL,
  type PolicyKind,
  scopeOfKind,
} from '../src/policy/api-group.js';
import type { PolicySpec } from '../src/policy/spec-schema.js';
import { describeErrors, validatePolicySpec } from '../src/policy/validate.js';
import { sandboxWithCrd } from './e2e/engine-harness.js';

interface Example {
  file: string;
  apiVersion: string;
  kind: PolicyKind;
  metadata: { name: string; namespace?: string };
  spec: unknown;
}

const dir = new URL('../examples/', import.meta.url);
const examples: Example[] = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((file) => ({ file, ...(parse(readFileSync(new URL(file, dir), 'utf8')) as Omit<Example, 'file'>) }));

function validSpec(example: Example): PolicySpec {
  const result = validatePolicySpec(example.spec, scopeOfKind(example.kind));
  if (!result.valid) throw new Error(`${example.file}: ${describeErrors(result.errors)}`);
  return result.spec;
}

describe('examples/', () => {
  it.each(examples.map((e) => [e.file, e] as const))('%s is a valid policy of its kind', (_file, example) => {
    expect(example.apiVersion).toBe(POLICY_API_VERSION);
    expect([POLICY_KIND, CLUSTER_POLICY_KIND]).toContain(example.kind);
    // A namespaced policy names its namespace; a cluster-scoped one has none.
    expect(example.metadata.namespace === undefined).toBe(example.kind === CLUSTER_POLICY_KIND);
    expect(() => validSpec(example)).not.toThrow();
  });

  it('show what the reference promises: crash loop ladder, Hybrid, dry run, a cluster policy', () => {
    const specs = examples.map((e) => ({ kind: e.kind, spec: validSpec(e) }));
    const crashLoopLadder = specs.find(
      ({ spec }) =>
        spec.detection.mode === 'Rules' &&
        spec.detection.rules.some((r) => r.signal === 'CrashLoopBackOff') &&
        spec.actions[0]?.type === 'RestartPod' &&
        spec.actions[1]?.type === 'RolloutRestart',
    );
    expect(crashLoopLadder).toBeDefined();
    expect(specs.some(({ spec }) => spec.detection.mode === 'Hybrid')).toBe(true);
    expect(specs.some(({ spec }) => spec.safety.dryRun)).toBe(true);
    expect(
      specs.some(
        ({ kind, spec }) => kind === CLUSTER_POLICY_KIND && spec.targets.namespaceSelector !== undefined,
      ),
    ).toBe(true);
  });
});

/** The CRDs as an API server sees them: every example is accepted, and the server's defaults are the engine's. */
describe('examples/ applied to the sandbox', () => {
  let env: Awaited<ReturnType<typeof sandboxWithCrd>>;
  beforeAll(async () => {
    // Installs every CRD in crds/, ClusterRemediationPolicy included.
    env = await sandboxWithCrd();
    const namespaces = new Set(examples.flatMap((e) => (e.metadata.namespace ? [e.metadata.namespace] : [])));
    for (const name of namespaces) {
      if (name === 'default') continue;
      env.sandbox.create('', 'v1', 'namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
  });
  afterAll(async () => {
    await env.cleanup();
  });

  it.each(examples.map((e) => [e.file, e] as const))(
    '%s is accepted and defaulted like the engine does',
    async (_file, example) => {
      const { file: _, ...object } = example;
      const path = example.metadata.namespace
        ? `/apis/coordination-engine.io/v1alpha1/namespaces/${example.metadata.namespace}/${POLICY_PLURAL}`
        : `/apis/coordination-engine.io/v1alpha1/${CLUSTER_POLICY_PLURAL}`;
      const created = await env.rest.request<JsonObject>({
        method: 'POST',
        path,
        body: object as unknown as JsonObject,
        query: { fieldValidation: 'Strict' },
      });
      expect(created.kind).toBe(example.kind);
      expect(created.spec).toEqual(validSpec(example));
    },
  );
});
