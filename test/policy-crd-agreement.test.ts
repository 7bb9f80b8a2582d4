import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import {
  CLUSTER_POLICY_KIND,
  CLUSTER_POLICY_PLURAL,
  POLICY_GROUP,
  POLICY_KIND,
  POLICY_PLURAL,
  POLICY_VERSION,
} from '../src/policy/api-group.js';
import { policySpecSchema } from '../src/policy/spec-schema.js';
import { policyStatusSchema } from '../src/policy/status-types.js';

type Schema = { [key: string]: unknown };

const load = (file: string) =>
  parse(readFileSync(new URL(`../crds/${file}`, import.meta.url), 'utf8')) as Schema;
const namespacedCrd = load('remediationpolicy.yaml');
const clusterCrd = load('clusterremediationpolicy.yaml');

function at(node: unknown, ...keys: (string | number)[]): Schema {
  let cur: unknown = node;
  for (const key of keys) cur = (cur as Schema | unknown[])[key as never];
  return cur as Schema;
}

const versionOf = (crd: Schema) => at(crd, 'spec', 'versions', 0);
const rootOf = (crd: Schema) => at(versionOf(crd), 'schema', 'openAPIV3Schema');
const version = versionOf(namespacedCrd);
const root = rootOf(namespacedCrd);

/** The zod spec as JSON Schema; the namespaced kind's CRD has no namespaceSelector (validate.ts refuses it). */
function zodSpecFor(scope: 'Namespaced' | 'Cluster'): Schema {
  const schema = z.toJSONSchema(policySpecSchema, { io: 'input' }) as Schema;
  if (scope === 'Namespaced') delete at(schema, 'properties', 'targets', 'properties').namespaceSelector;
  return schema;
}

/** Every x-kubernetes-validations rule of a schema, with the path it sits at. */
function celRules(node: unknown, path: string, out: { path: string; rule: Schema }[] = []) {
  if (Array.isArray(node)) {
    node.forEach((child, i) => {
      celRules(child, `${path}[${i}]`, out);
    });
  } else if (node && typeof node === 'object') {
    for (const [key, child] of Object.entries(node as Schema)) {
      if (key === 'x-kubernetes-validations') {
        for (const rule of child as Schema[]) out.push({ path, rule });
      } else celRules(child, `${path}.${key}`, out);
    }
  }
  return out;
}

const CHECKED = [
  'type',
  'enum',
  'default',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
];

/** zod emits the safe-integer range for z.int(); the CRD leaves those bounds open. */
function normalisedBound(key: string, value: unknown): unknown {
  if (key === 'maximum' && value === Number.MAX_SAFE_INTEGER) return undefined;
  if (key === 'minimum' && value === Number.MIN_SAFE_INTEGER) return undefined;
  return value;
}

/**
 * x-kubernetes-int-or-string: structural schemas allow only `anyOf: [{type: integer}, {type: string}]`, so the
 * CRD carries the bounds beside the anyOf (minimum applies to integers, pattern to strings) while zod puts them
 * in its union branches.
 */
function compareIntOrString(crdNode: Schema, zodNode: Schema, path: string, out: string[]): void {
  if (crdNode['x-kubernetes-int-or-string'] !== true)
    out.push(`${path}: CRD lacks x-kubernetes-int-or-string`);
  const branches = (crdNode.anyOf ?? []) as Schema[];
  if (JSON.stringify(branches) !== JSON.stringify([{ type: 'integer' }, { type: 'string' }])) {
    out.push(`${path}.anyOf: CRD must be exactly [{type: integer}, {type: string}] to be structural`);
  }
  const zodBranches = (zodNode.anyOf ?? []) as Schema[];
  const intBranch = zodBranches.find((b) => b.type === 'integer') ?? {};
  const stringBranch = zodBranches.find((b) => b.type === 'string') ?? {};
  const pairs: [string, unknown, unknown][] = [
    ['default', crdNode.default, zodNode.default],
    ['minimum', crdNode.minimum, intBranch.minimum],
    ['pattern', crdNode.pattern, stringBranch.pattern],
  ];
  for (const [key, left, right] of pairs) {
    if (JSON.stringify(left) !== JSON.stringify(right)) {
      out.push(`${path}.${key}: CRD ${JSON.stringify(left)} vs zod ${JSON.stringify(right)}`);
    }
  }
}

/** Walks both schemas and collects every disagreement, so one run lists all drift. */
function compare(crdNode: Schema, zodNode: Schema, path: string, out: string[]): void {
  if (Array.isArray(zodNode.anyOf) || Array.isArray(crdNode.anyOf)) {
    compareIntOrString(crdNode, zodNode, path, out);
    return;
  }
  for (const key of CHECKED) {
    const left = normalisedBound(key, crdNode[key]);
    const right = normalisedBound(key, zodNode[key]);
    if (JSON.stringify(left) !== JSON.stringify(right)) {
      out.push(`${path}.${key}: CRD ${JSON.stringify(left)} vs zod ${JSON.stringify(right)}`);
    }
  }
  if (crdNode.pattern !== zodNode.pattern) {
    out.push(`${path}.pattern: CRD ${String(crdNode.pattern)} vs zod ${String(zodNode.pattern)}`);
  }
  const crdRequired = [...((crdNode.required as string[] | undefined) ?? [])].sort();
  const zodRequired = [...((zodNode.required as string[] | undefined) ?? [])].sort();
  if (JSON.stringify(crdRequired) !== JSON.stringify(zodRequired)) {
    out.push(`${path}.required: CRD ${crdRequired.join(',')} vs zod ${zodRequired.join(',')}`);
  }
  const crdProps = (crdNode.properties ?? {}) as Record<string, Schema>;
  const zodProps = (zodNode.properties ?? {}) as Record<string, Schema>;
  for (const name of new Set([...Object.keys(crdProps), ...Object.keys(zodProps)])) {
    const left = crdProps[name];
    const right = zodProps[name];
    if (!left) out.push(`${path}.${name}: only in zod`);
    else if (!right) out.push(`${path}.${name}: only in CRD`);
    else compare(left, right, `${path}.${name}`, out);
  }
  if (crdNode.items || zodNode.items) {
    compare((crdNode.items ?? {}) as Schema, (zodNode.items ?? {}) as Schema, `${path}[]`, out);
  }
  const crdExtra = crdNode.additionalProperties;
  const zodExtra = zodNode.additionalProperties;
  if (typeof crdExtra === 'object' || typeof zodExtra === 'object') {
    compare((crdExtra ?? {}) as Schema, (zodExtra ?? {}) as Schema, `${path}{}`, out);
  }
}

const KINDS = [
  { crd: namespacedCrd, scope: 'Namespaced', kind: POLICY_KIND, plural: POLICY_PLURAL, short: 'rp' },
  {
    crd: clusterCrd,
    scope: 'Cluster',
    kind: CLUSTER_POLICY_KIND,
    plural: CLUSTER_POLICY_PLURAL,
    short: 'crp',
  },
] as const;

describe.each(KINDS)('$kind CRD', ({ crd, scope, kind, plural, short }) => {
  it('has the agreed identity, status subresource and printer columns', () => {
    expect(at(crd, 'spec', 'group')).toBe(POLICY_GROUP);
    expect(at(crd, 'spec', 'scope')).toBe(scope);
    expect(at(crd, 'metadata').name).toBe(`${plural}.${POLICY_GROUP}`);
    expect(at(crd, 'spec', 'names')).toMatchObject({ kind, plural, shortNames: [short] });
    expect(versionOf(crd).name).toBe(POLICY_VERSION);
    expect(at(versionOf(crd), 'subresources')).toEqual({ status: {} });
    const columns = versionOf(crd).additionalPrinterColumns as Schema[];
    expect(columns.map((c) => c.name)).toEqual([
      'Phase',
      'Mode',
      'Targets',
      'Last Action',
      'Shadow Agree',
      'Dry Run',
      'Age',
    ]);
    expect(columns.find((c) => c.name === 'Last Action')?.jsonPath).toBe('.status.lastAction.action');
    expect(columns.find((c) => c.name === 'Shadow Agree')?.jsonPath).toBe('.status.shadow.agreement');
  });

  it('spec schema agrees with the zod schema on fields, enums, bounds and defaults', () => {
    const drift: string[] = [];
    compare(at(rootOf(crd), 'properties', 'spec'), zodSpecFor(scope), 'spec', drift);
    expect(drift).toEqual([]);
  });

  it('status schema has the same fields, enums and bounds as the status the engine writes', () => {
    const zodStatus = z.toJSONSchema(policyStatusSchema, { io: 'output' }) as Schema;
    const drift: string[] = [];
    compare(at(rootOf(crd), 'properties', 'status'), zodStatus, 'status', drift);
    // format/date-time and the condition message default are deliberately CRD- or zod-only details.
    expect(drift.filter((d) => !/\.(format|default|required)/.test(d))).toEqual([]);
  });

  it('every CEL rule has a message and keeps to the simple CEL subset', () => {
    const rules = celRules(rootOf(crd), 'openAPIV3Schema');
    expect(rules.length).toBeGreaterThanOrEqual(10);
    for (const { path, rule } of rules) {
      expect(typeof rule.message === 'string' && rule.message.trim() !== '', `${path} message`).toBe(true);
      // Only has(), size(), ==, <=, &&, ||, !, ?: and .all()/.exists(): no !=, <, >, >= or other macros.
      expect(String(rule.rule), path).not.toMatch(/!=|>|<(?!=)|\.(map|filter|exists_one)\(/);
    }
  });
});

describe('the two policy CRDs', () => {
  it('share one schema: the cluster one only adds targets.namespaceSelector', () => {
    const namespaced = structuredClone(root);
    const cluster = structuredClone(rootOf(clusterCrd));
    const targetsOf = (r: Schema) => at(r, 'properties', 'spec', 'properties', 'targets');
    expect(at(targetsOf(namespaced), 'properties').namespaceSelector).toBeUndefined();
    expect(at(targetsOf(cluster), 'properties', 'namespaceSelector', 'properties')).toEqual(
      at(targetsOf(cluster), 'properties', 'selector', 'properties'),
    );
    delete at(targetsOf(cluster), 'properties').namespaceSelector;
    for (const r of [namespaced, cluster]) {
      delete r.description;
      delete targetsOf(r).description;
    }
    expect(cluster).toEqual(namespaced);
    expect(versionOf(clusterCrd).additionalPrinterColumns).toEqual(version.additionalPrinterColumns);
  });

  it('the comparison itself notices drift (guards against a vacuous walk)', () => {
    const tampered = structuredClone(at(root, 'properties', 'spec'));
    at(tampered, 'properties', 'safety', 'properties', 'maxConcurrent').default = 5;
    delete at(tampered, 'properties', 'detection', 'properties').mode;
    const drift: string[] = [];
    compare(tampered, zodSpecFor('Cluster'), 'spec', drift);
    expect(drift).toEqual(
      expect.arrayContaining([
        'spec.safety.maxConcurrent.default: CRD 5 vs zod 1',
        'spec.detection.mode: only in zod',
        'spec.targets.namespaceSelector: only in zod',
      ]),
    );
  });
});
