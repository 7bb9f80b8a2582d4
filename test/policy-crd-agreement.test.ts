import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { POLICY_GROUP, POLICY_KIND, POLICY_PLURAL, POLICY_VERSION } from '../src/policy/api-group.js';
import { policySpecSchema } from '../src/policy/spec-schema.js';
import { policyStatusSchema } from '../src/policy/status-types.js';

type Schema = { [key: string]: unknown };

const crd = parse(readFileSync(new URL('../crds/remediationpolicy.yaml', import.meta.url), 'utf8')) as Schema;

function at(node: unknown, ...keys: (string | number)[]): Schema {
  let cur: unknown = node;
  for (const key of keys) cur = (cur as Schema | unknown[])[key as never];
  return cur as Schema;
}

const version = at(crd, 'spec', 'versions', 0);
const root = at(version, 'schema', 'openAPIV3Schema');

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

describe('RemediationPolicy CRD', () => {
  it('has the agreed identity, status subresource and printer columns', () => {
    expect(at(crd, 'spec', 'group')).toBe(POLICY_GROUP);
    expect(at(crd, 'spec', 'scope')).toBe('Namespaced');
    expect(at(crd, 'spec', 'names')).toMatchObject({
      kind: POLICY_KIND,
      plural: POLICY_PLURAL,
      shortNames: ['rp'],
    });
    expect(version.name).toBe(POLICY_VERSION);
    expect(at(version, 'subresources')).toEqual({ status: {} });
    const columns = (version.additionalPrinterColumns as Schema[]).map((c) => c.name);
    expect(columns).toEqual(expect.arrayContaining(['Phase', 'Mode', 'Targets', 'Last Action', 'Age']));
  });

  it('spec schema agrees with the zod schema on fields, enums, bounds and defaults', () => {
    const zodSpec = z.toJSONSchema(policySpecSchema, { io: 'input' }) as Schema;
    const drift: string[] = [];
    compare(at(root, 'properties', 'spec'), zodSpec, 'spec', drift);
    expect(drift).toEqual([]);
  });

  it('status schema has the same fields and enums as the status the engine writes', () => {
    const zodStatus = z.toJSONSchema(policyStatusSchema, { io: 'output' }) as Schema;
    const drift: string[] = [];
    compare(at(root, 'properties', 'status'), zodStatus, 'status', drift);
    // format/date-time and the condition message default are deliberately CRD- or zod-only details.
    expect(drift.filter((d) => !/\.(format|default|required)/.test(d))).toEqual([]);
  });

  it('the comparison itself notices drift (guards against a vacuous walk)', () => {
    const zodSpec = z.toJSONSchema(policySpecSchema, { io: 'input' }) as Schema;
    const tampered = structuredClone(at(root, 'properties', 'spec'));
    at(tampered, 'properties', 'safety', 'properties', 'maxConcurrent').default = 5;
    delete at(tampered, 'properties', 'detection', 'properties').mode;
    const drift: string[] = [];
    compare(tampered, zodSpec, 'spec', drift);
    expect(drift).toEqual(
      expect.arrayContaining([
        'spec.safety.maxConcurrent.default: CRD 5 vs zod 1',
        'spec.detection.mode: only in zod',
      ]),
    );
  });
});
