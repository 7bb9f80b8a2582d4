import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { JsonObject } from '../../src/json/json-value.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/sandbox.js';

// x-kubernetes-validations evaluated on custom resources, with the apiserver's 422 shape, through client-node
// and the real kubectl.
const run = promisify(execFile);
const GROUP = 'cel.example.com';
let sandbox: Sandbox;
let dir: string;
let kc: KubeConfig;
let custom: CustomObjectsApi;

const rule = (r: string, extra: JsonObject = {}): JsonObject => ({ rule: r, ...extra });

const widgetSchema: JsonObject = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      'x-kubernetes-validations': [
        rule('self.minReplicas <= self.maxReplicas', { message: 'minReplicas must not exceed maxReplicas' }),
        rule("self.mode != 'Manual' || !has(self.schedule)"),
        rule("!has(self.schedule) || self.schedule.endsWith('m')", {
          fieldPath: '.schedule',
          reason: 'FieldValueForbidden',
          messageExpression: "'schedule ' + self.schedule + ' is not in minutes'",
        }),
      ],
      properties: {
        minReplicas: { type: 'integer', default: 1 },
        maxReplicas: { type: 'integer', default: 3 },
        mode: { type: 'string', default: 'Auto' },
        schedule: { type: 'string' },
        owner: {
          type: 'string',
          'x-kubernetes-validations': [rule('self == oldSelf', { message: 'owner is immutable' })],
        },
        actions: {
          type: 'array',
          items: {
            type: 'object',
            'x-kubernetes-validations': [
              rule("self.type != 'scale' || has(self.replicas)", {
                message: 'a scale action needs replicas',
              }),
            ],
            properties: { type: { type: 'string' }, replicas: { type: 'integer' } },
          },
        },
        limits: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            // No has(): a limit without max is a runtime error, which must be a 422, not a 500.
            'x-kubernetes-validations': [
              rule('self.min <= self.max', { message: 'min must not exceed max' }),
            ],
            properties: { min: { type: 'integer' }, max: { type: 'integer' } },
          },
        },
      },
    },
  },
};

function crd(name: string, plural: string, kind: string, schema: JsonObject): JsonObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }],
    },
  };
}

const widget = (name: string, spec: JsonObject): JsonObject => ({
  apiVersion: `${GROUP}/v1`,
  kind: 'Widget',
  metadata: { name },
  spec,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cel-validation-'));
  sandbox = await startSandbox({ kubeconfigPath: join(dir, 'kubeconfig') });
  kc = sandbox.kubeConfig();
  custom = kc.makeApiClient(CustomObjectsApi);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'cel' } } });
  const made = await api('POST', CRDS, crd(`widgets.${GROUP}`, 'widgets', 'Widget', widgetSchema));
  expect(made.status).toBe(201);
});
afterAll(async () => {
  await sandbox.stop();
  await rm(dir, { recursive: true, force: true });
});

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/**
 * Raw HTTP: client-node's typed CRD model drops `x-kubernetes-validations` (not one of its attribute names), and
 * the Warning header is only visible here.
 */
async function api(
  method: string,
  path: string,
  body?: JsonObject,
  contentType = 'application/json',
): Promise<{ status: number; body: JsonObject; warning: string | null }> {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${kc.getCurrentUser()?.token}`, 'content-type': contentType },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as JsonObject,
    warning: response.headers.get('warning'),
  };
}

async function failure(promise: Promise<unknown>): Promise<{ code: number; body: JsonObject }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApiException) return { code: err.code, body: JSON.parse(String(err.body)) };
    throw err;
  }
  throw new Error('expected the call to fail');
}

const create = (body: JsonObject) =>
  custom.createNamespacedCustomObject({
    group: GROUP,
    version: 'v1',
    namespace: 'cel',
    plural: 'widgets',
    body,
  });

const causes = (body: JsonObject) => (body.details as { causes: JsonObject[] }).causes;

async function kubectl(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const all = ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args];
  try {
    const { stdout, stderr } = await run('kubectl', all, { timeout: 30_000 });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 };
  }
}

async function apply(object: JsonObject): Promise<{ stdout: string; stderr: string; code: number }> {
  const file = join(dir, `${String((object.metadata as JsonObject).name)}.yaml`);
  await writeFile(file, stringify(object));
  return kubectl('apply', '-n', 'cel', '-f', file);
}

describe('x-kubernetes-validations on custom resources', () => {
  it('accepts an object that satisfies every rule, after defaulting', async () => {
    const created = (await create(
      widget('ok', {
        minReplicas: 2,
        schedule: '5m',
        actions: [{ type: 'restart' }, { type: 'scale', replicas: 2 }],
        limits: { cpu: { min: 1, max: 2 } },
      }),
    )) as JsonObject;
    expect(created.spec).toMatchObject({ minReplicas: 2, maxReplicas: 3, mode: 'Auto' });
  });

  it('rejects a rule at the root of spec with its message, at the defaulted value', async () => {
    // maxReplicas is absent: its default (3) is what the rule sees.
    const bad = await failure(create(widget('too-many', { minReplicas: 5 })));
    expect(bad.code).toBe(422);
    expect(bad.body.reason).toBe('Invalid');
    expect(bad.body.message).toBe(
      'Widget.cel.example.com "too-many" is invalid: spec: Invalid value: "object": minReplicas must not exceed maxReplicas',
    );
    expect(causes(bad.body)).toEqual([
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "object": minReplicas must not exceed maxReplicas',
        field: 'spec',
      },
    ]);
  });

  it('says "failed rule: <rule>" for a rule without a message, and honours fieldPath, reason and messageExpression', async () => {
    const bad = await failure(create(widget('manual', { mode: 'Manual', schedule: '5s' })));
    expect(bad.code).toBe(422);
    expect(causes(bad.body)).toEqual([
      {
        reason: 'FieldValueInvalid',
        message: `Invalid value: "object": failed rule: self.mode != 'Manual' || !has(self.schedule)`,
        field: 'spec',
      },
      {
        reason: 'FieldValueForbidden',
        message: 'Forbidden: schedule 5s is not in minutes',
        field: 'spec.schedule',
      },
    ]);
  });

  it('names the list item and the map entry a rule failed in', async () => {
    const bad = await failure(
      create(
        widget('nested', {
          actions: [{ type: 'restart' }, { type: 'scale' }],
          limits: { cpu: { min: 1, max: 2 }, memory: { min: 4, max: 2 } },
        }),
      ),
    );
    expect(bad.code).toBe(422);
    expect(causes(bad.body)).toEqual([
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "object": a scale action needs replicas',
        field: 'spec.actions[1]',
      },
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "object": min must not exceed max',
        field: 'spec.limits[memory]',
      },
    ]);
  });

  it('turns a runtime error into a 422 naming the rule, not a 500', async () => {
    const bad = await failure(create(widget('no-max', { limits: { cpu: { min: 1 } } })));
    expect(bad.code).toBe(422);
    expect(causes(bad.body)).toEqual([
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "object": no such key: max evaluating rule: min must not exceed max',
        field: 'spec.limits[cpu]',
      },
    ]);
  });

  it('skips rules once the object fails the checks they rely on, saying so', async () => {
    const bad = await failure(create(widget('typed', { minReplicas: 'five' })));
    expect(bad.code).toBe(422);
    expect(causes(bad.body).map((c) => c.field)).toEqual(['spec.minReplicas', '<nil>']);
    expect(causes(bad.body)[1]?.message).toBe(
      'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    );
  });

  it('keeps a field immutable with a transition rule (self == oldSelf), evaluated only on update', async () => {
    await create(widget('owned', { owner: 'alice' }));
    const patch = (spec: JsonObject) =>
      custom.patchNamespacedCustomObject(
        { group: GROUP, version: 'v1', namespace: 'cel', plural: 'widgets', name: 'owned', body: { spec } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    const changed = await failure(patch({ owner: 'bob' }));
    expect(changed.code).toBe(422);
    expect(causes(changed.body)).toEqual([
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "string": owner is immutable',
        field: 'spec.owner',
      },
    ]);
    const other = (await patch({ owner: 'alice', minReplicas: 2 })) as JsonObject;
    expect(other.spec).toMatchObject({ owner: 'alice', minReplicas: 2 });
  });

  it('lets an update through with a warning when the value a rule sits on did not change (ratcheting)', async () => {
    const plain: JsonObject = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: { size: { type: 'integer' }, label: { type: 'string' }, note: { type: 'string' } },
        },
      },
    };
    const gizmos = `/apis/${GROUP}/v1/namespaces/cel/gizmos`;
    expect((await api('POST', CRDS, crd(`gizmos.${GROUP}`, 'gizmos', 'Gizmo', plain))).status).toBe(201);
    const gizmo = { apiVersion: `${GROUP}/v1`, kind: 'Gizmo', metadata: { name: 'old' }, spec: { size: 50 } };
    expect((await api('POST', gizmos, gizmo)).status).toBe(201);
    // The rule arrives after the object was stored.
    const stored = (await api('GET', `${CRDS}/gizmos.${GROUP}`)).body;
    const spec = ((stored.spec as JsonObject).versions as JsonObject[])[0] as JsonObject;
    const props = ((spec.schema as JsonObject).openAPIV3Schema as JsonObject).properties as JsonObject;
    const size = ((props.spec as JsonObject).properties as JsonObject).size as JsonObject;
    size['x-kubernetes-validations'] = [rule('self <= 10', { message: 'size is at most 10' })];
    expect((await api('PUT', `${CRDS}/gizmos.${GROUP}`, stored)).status).toBe(200);

    const merge = 'application/merge-patch+json';
    const untouched = await api('PATCH', `${gizmos}/old`, { spec: { note: 'hello' } }, merge);
    expect(untouched.body).toMatchObject({ spec: { note: 'hello' } });
    expect(untouched.status).toBe(200);
    expect(untouched.warning).toBe('299 - "spec.size: Invalid value: \\"integer\\": size is at most 10"');
    const touched = await api('PATCH', `${gizmos}/old`, { spec: { size: 60 } }, merge);
    expect(touched.status).toBe(422);
    expect(causes(touched.body)).toEqual([
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "integer": size is at most 10',
        field: 'spec.size',
      },
    ]);
  });
});

describe('kubectl against CEL rules', () => {
  it('prints the apiserver text for a violated rule', async () => {
    const got = await apply(widget('kubectl-bad', { minReplicas: 9 }));
    expect(got.code).not.toBe(0);
    expect(got.stderr).toBe(
      'The Widget "kubectl-bad" is invalid: spec: Invalid value: "object": minReplicas must not exceed maxReplicas\n',
    );
  });

  it('lists every failed rule with its path', async () => {
    const got = await apply(
      widget('kubectl-nested', { actions: [{ type: 'scale' }], limits: { a: { min: 2, max: 1 } } }),
    );
    expect(got.code).not.toBe(0);
    expect(got.stderr).toBe(
      [
        'The Widget "kubectl-nested" is invalid: ',
        '* spec.actions[0]: Invalid value: "object": a scale action needs replicas',
        '* spec.limits[a]: Invalid value: "object": min must not exceed max',
        '',
      ].join('\n'),
    );
  });

  it('applies a valid object, then refuses to change an immutable field', async () => {
    const ok = await apply(widget('kubectl-owned', { owner: 'alice' }));
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain('widget.cel.example.com/kubectl-owned created');
    const changed = await apply(widget('kubectl-owned', { owner: 'bob' }));
    expect(changed.code).not.toBe(0);
    expect(changed.stderr).toBe(
      'The Widget "kubectl-owned" is invalid: spec.owner: Invalid value: "string": owner is immutable\n',
    );
  });
});

describe('CRDs with rules that do not compile', () => {
  it('refuses the CRD with a 422 naming the rule', async () => {
    const schema: JsonObject = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          'x-kubernetes-validations': [rule('self.replicas >')],
          properties: { replicas: { type: 'integer' } },
        },
      },
    };
    const bad = await api('POST', CRDS, crd(`gadgets.${GROUP}`, 'gadgets', 'Gadget', schema));
    expect(bad.status).toBe(422);
    const [cause, ...rest] = causes(bad.body);
    expect(rest).toEqual([]);
    expect(cause?.field).toBe(
      'spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule',
    );
    expect(cause?.reason).toBe('FieldValueInvalid');
    expect(String(cause?.message)).toMatch(
      /^Invalid value: apiextensions\.ValidationRule\{Rule:"self\.replicas >", Message:"", .*\}: compilation failed: ERROR: <input>:1:16: /,
    );
    // The CRD was not stored: no resource is served for it.
    expect(
      sandbox.getObject('apiextensions.k8s.io', 'customresourcedefinitions', undefined, `gadgets.${GROUP}`),
    ).toBeUndefined();
  });

  it('refuses a rule that is not a bool, a bad reason and a bad fieldPath', async () => {
    const schema: JsonObject = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          'x-kubernetes-validations': [
            rule("'text'"),
            rule('true', { reason: 'FieldValueWrong' }),
            rule('true', { fieldPath: '.missing' }),
          ],
          properties: { replicas: { type: 'integer' } },
        },
      },
    };
    const bad = await api('POST', CRDS, crd(`doodads.${GROUP}`, 'doodads', 'Doodad', schema));
    expect(bad.status).toBe(422);
    const at = 'spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations';
    expect(causes(bad.body).map((c) => [c.field, c.message])).toEqual(
      expect.arrayContaining([
        [
          `${at}[0].rule`,
          expect.stringMatching(
            /^Invalid value: apiextensions\.ValidationRule\{Rule:"'text'".*\}: cel expression must evaluate to a bool$/,
          ),
        ],
        [
          `${at}[1].reason`,
          'Unsupported value: "FieldValueWrong": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"',
        ],
        [
          `${at}[2].fieldPath`,
          'Invalid value: ".missing": fieldPath must be a valid path: does not refer to a valid field',
        ],
      ]),
    );
  });
});
