import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/sandbox/json.js';
import {
  applyDefaults,
  type JSONSchemaProps,
  processCustomResource,
  pruneNonNullableNulls,
  pruneUnknownFields,
  validateStructuralSchema,
  validateValue,
} from '../../src/sandbox/schema-validation.js';

/** A RemediationPolicy-like CRD schema exercising most keywords. */
const policySchema: JSONSchemaProps = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['targets'],
      properties: {
        mode: { type: 'string', enum: ['rules', 'ml', 'hybrid'], default: 'hybrid' },
        replicas: { type: 'integer', minimum: 1, maximum: 100, default: 2 },
        count: { type: 'integer' },
        name: { type: 'string', pattern: '^[a-z]+$', maxLength: 10, minLength: 2 },
        ratio: { type: 'number', minimum: 0, maximum: 1, exclusiveMaximum: true },
        targets: {
          type: 'array',
          maxItems: 3,
          minItems: 1,
          items: {
            type: 'object',
            required: ['name'],
            properties: {
              name: { type: 'string' },
              weight: { type: 'integer', default: 1 },
            },
          },
        },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        thresholds: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            properties: { value: { type: 'number' }, op: { type: 'string', default: 'gt' } },
          },
        },
        safety: {
          type: 'object',
          default: {},
          properties: {
            dryRun: { type: 'boolean', default: false },
            maxActions: { type: 'integer', default: 5 },
          },
        },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          properties: { spec: { type: 'object', properties: { image: { type: 'string' } } } },
        },
        note: { type: 'string', nullable: true },
        rules: {
          type: 'array',
          'x-kubernetes-validations': [{ rule: 'self.size() > 0' }],
          items: { type: 'string' },
        },
      },
    },
    status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  },
};

const spec = policySchema.properties?.spec as JSONSchemaProps;

function messages(schema: JSONSchemaProps, value: JsonObject | JsonObject[keyof JsonObject], path = 'spec') {
  return validateValue(schema, value, path).map((e) => e.message);
}

describe('validateValue: apiserver messages', () => {
  it('reports required fields', () => {
    const errs = validateValue(spec, {}, 'spec');
    expect(errs).toEqual([
      {
        field: 'spec.targets',
        type: 'FieldValueRequired',
        message: 'spec.targets: Required value',
        detail: 'Required value',
      },
    ]);
  });

  it('reports enum, range, type, pattern, length and item-count errors verbatim', () => {
    const base = { targets: [{ name: 'a' }] };
    expect(messages(spec, { ...base, mode: 'foo' })).toEqual([
      'spec.mode: Unsupported value: "foo": supported values: "rules", "ml", "hybrid"',
    ]);
    expect(messages(spec, { ...base, replicas: 200 })).toEqual([
      'spec.replicas: Invalid value: 200: spec.replicas in body should be less than or equal to 100',
    ]);
    expect(messages(spec, { ...base, replicas: 0 })).toEqual([
      'spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1',
    ]);
    expect(messages(spec, { ...base, ratio: 1 })).toEqual([
      'spec.ratio: Invalid value: 1: spec.ratio in body should be less than 1',
    ]);
    expect(messages(spec, { ...base, count: 'string' })).toEqual([
      'spec.count: Invalid value: "string": spec.count in body must be of type integer: "string"',
    ]);
    expect(messages(spec, { ...base, count: 1.5 })).toEqual([
      'spec.count: Invalid value: "number": spec.count in body must be of type integer: "number"',
    ]);
    expect(messages(spec, { ...base, name: 'ABC' })).toEqual([
      'spec.name: Invalid value: "ABC": spec.name in body should match \'^[a-z]+$\'',
    ]);
    expect(messages(spec, { ...base, name: 'abcdefghijk' })).toEqual([
      'spec.name: Too long: may not be more than 10 bytes',
    ]);
    expect(messages(spec, { ...base, name: 'a' })).toEqual([
      'spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long',
    ]);
    const five = [1, 2, 3, 4, 5].map((i) => ({ name: `t${i}` }));
    expect(messages(spec, { targets: five })).toEqual([
      'spec.targets: Too many: 5: must have at most 3 items',
    ]);
    expect(messages(spec, { targets: [] })).toEqual([
      'spec.targets: Invalid value: 0: spec.targets in body should have at least 1 items',
    ]);
  });

  it('sets detail to the message without the field, and the error type', () => {
    const [err] = validateValue(spec, { targets: [{ name: 'a' }], mode: 'x' }, 'spec');
    expect(err?.type).toBe('FieldValueNotSupported');
    expect(err?.detail).toBe('Unsupported value: "x": supported values: "rules", "ml", "hybrid"');
    expect(err?.badValue).toBe('x');
    const [typeErr] = validateValue(spec, { targets: 'x' }, 'spec');
    expect(typeErr?.type).toBe('FieldValueTypeInvalid');
    const [long] = validateValue(spec, { targets: [{ name: 'a' }], name: 'abcdefghijkl' }, 'spec');
    expect(long?.type).toBe('FieldValueTooLong');
  });

  it('uses [i] for array items and dots for map keys', () => {
    expect(messages(spec, { targets: [{ name: 'a' }, { weight: 'x' }] })).toEqual([
      'spec.targets[1].name: Required value',
      'spec.targets[1].weight: Invalid value: "string": spec.targets[1].weight in body must be of type integer: "string"',
    ]);
    expect(messages(spec, { targets: [{ name: 'a' }], labels: { team: 3 } })).toEqual([
      'spec.labels.team: Invalid value: "integer": spec.labels.team in body must be of type string: "integer"',
    ]);
  });

  it('handles nullable, int-or-string and preserve-unknown-fields', () => {
    const base = { targets: [{ name: 'a' }] };
    expect(messages(spec, { ...base, note: null })).toEqual([]);
    expect(messages(spec, { ...base, mode: null })).toEqual([
      'spec.mode: Invalid value: "null": spec.mode in body must be of type string: "null"',
    ]);
    expect(messages(spec, { ...base, port: 8080 })).toEqual([]);
    expect(messages(spec, { ...base, port: 'http' })).toEqual([]);
    expect(messages(spec, { ...base, port: true })[0]).toBe(
      'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
    );
    expect(messages(spec, { ...base, extra: { anything: [1, { deep: true }] } })).toEqual([]);
  });

  it('requires apiVersion and kind in embedded resources', () => {
    expect(messages(spec, { targets: [{ name: 'a' }], template: { spec: {} } })).toEqual([
      'spec.template.apiVersion: Required value: must not be empty',
      'spec.template.kind: Required value: must not be empty',
    ]);
  });

  it('checks list-type set/map uniqueness and additionalProperties: false', () => {
    const set: JSONSchemaProps = {
      type: 'array',
      'x-kubernetes-list-type': 'set',
      items: { type: 'string' },
    };
    expect(messages(set, ['a', 'b', 'a'], 'spec.tags')).toEqual(['spec.tags[2]: Duplicate value: "a"']);
    const map: JSONSchemaProps = {
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      items: { type: 'object', properties: { name: { type: 'string' }, v: { type: 'integer' } } },
    };
    const mapErrs = validateValue(
      map,
      [
        { name: 'a', v: 1 },
        { name: 'a', v: 2 },
      ],
      'spec.ports',
    );
    expect(mapErrs.map((e) => [e.field, e.type])).toEqual([['spec.ports[1]', 'FieldValueDuplicate']]);
    const closed: JSONSchemaProps = { type: 'object', additionalProperties: false };
    expect(messages(closed, { x: 1 }, 'spec.c')).toEqual([
      'spec.c: Invalid value: "x": spec.c.x in body is a forbidden property',
    ]);
  });

  it('evaluates anyOf, oneOf, allOf and not', () => {
    const one: JSONSchemaProps = { type: 'integer', oneOf: [{ minimum: 0 }, { maximum: 10 }] };
    expect(messages(one, 5, 'spec.n')).toEqual([
      'spec.n: Invalid value: 5: spec.n in body must validate one and only one schema (oneOf)',
    ]);
    expect(messages(one, 50, 'spec.n')).toEqual([]);
    const not: JSONSchemaProps = { type: 'string', not: { enum: ['forbidden'] } };
    expect(messages(not, 'forbidden', 'spec.s')).toEqual([
      'spec.s: Invalid value: "forbidden": spec.s in body must not validate the schema (not)',
    ]);
    const all: JSONSchemaProps = { type: 'string', allOf: [{ minLength: 2 }, { maxLength: 3 }] };
    expect(messages(all, 'abcd', 'spec.a')).toEqual(['spec.a: Too long: may not be more than 3 bytes']);
    const any: JSONSchemaProps = { type: 'integer', anyOf: [{ maximum: 1 }, { minimum: 9 }] };
    expect(messages(any, 5, 'spec.a').at(-1)).toBe(
      'spec.a: Invalid value: 5: spec.a in body must validate at least one schema (anyOf)',
    );
  });

  it('checks common formats', () => {
    const dt: JSONSchemaProps = { type: 'string', format: 'date-time' };
    expect(messages(dt, '2024-01-02T03:04:05Z', 'spec.t')).toEqual([]);
    expect(messages(dt, 'yesterday', 'spec.t')).toEqual([
      'spec.t: Invalid value: "yesterday": spec.t in body must be of type date-time: "yesterday"',
    ]);
    expect(messages({ type: 'string', format: 'unknown-format' }, 'x', 'spec.t')).toEqual([]);
  });
});

describe('pruneUnknownFields', () => {
  it('drops unknown fields and reports their paths, keeping apiVersion/kind/metadata at the root', () => {
    const schema: JSONSchemaProps = { type: 'object', properties: { spec: spec } };
    const obj: JsonObject = {
      apiVersion: 'x/v1',
      kind: 'P',
      metadata: { name: 'p', whatever: 1 },
      spec: { foo: 1, targets: [{ name: 'a' }, { name: 'b' }, { name: 'c', bar: true }], mode: 'ml' },
      top: 'x',
    };
    const { value, pruned } = pruneUnknownFields(schema, obj);
    expect(pruned).toEqual(['spec.foo', 'spec.targets[2].bar', 'top']);
    expect(value).toEqual({
      apiVersion: 'x/v1',
      kind: 'P',
      metadata: { name: 'p', whatever: 1 },
      spec: { targets: [{ name: 'a' }, { name: 'b' }, { name: 'c' }], mode: 'ml' },
    });
    expect(obj.spec).toHaveProperty('foo', 1); // input untouched
  });

  it('prunes a non-resource root when asked', () => {
    const { pruned } = pruneUnknownFields({ type: 'object' }, { kind: 'x' }, { resourceRoot: false });
    expect(pruned).toEqual(['kind']);
  });

  it('respects preserve-unknown-fields, additionalProperties and embedded resources', () => {
    const { value, pruned } = pruneUnknownFields(policySchema, {
      spec: {
        extra: { a: { b: 1 } },
        labels: { any: 'x' },
        thresholds: { cpu: { value: 1, junk: 2 } },
        template: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'x' },
          spec: { image: 'i', junk: 1 },
          junk: 2,
        },
      },
      status: { free: 'form' },
    });
    expect(pruned.sort()).toEqual([
      'spec.template.junk',
      'spec.template.spec.junk',
      'spec.thresholds.cpu.junk',
    ]);
    expect(value).toEqual({
      spec: {
        extra: { a: { b: 1 } },
        labels: { any: 'x' },
        thresholds: { cpu: { value: 1 } },
        template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { image: 'i' } },
      },
      status: { free: 'form' },
    });
  });

  it('keeps keys under additionalProperties: true but prunes inside their values, as upstream', () => {
    const schema: JSONSchemaProps = { type: 'object', additionalProperties: true };
    const { value, pruned } = pruneUnknownFields(
      schema,
      { a: 1, b: { c: 2 }, d: [{ e: 3 }] },
      { resourceRoot: false },
    );
    expect(value).toEqual({ a: 1, b: {}, d: [{}] });
    expect(pruned).toEqual(['b.c', 'd[0].e']);
  });

  it('still prunes inside known properties of a preserve-unknown-fields object', () => {
    const schema: JSONSchemaProps = {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
      properties: { known: { type: 'object', properties: { a: { type: 'string' } } } },
    };
    const { value, pruned } = pruneUnknownFields(
      schema,
      { other: 1, known: { a: 'x', b: 'y' } },
      { resourceRoot: false },
    );
    expect(value).toEqual({ other: 1, known: { a: 'x' } });
    expect(pruned).toEqual(['known.b']);
  });
});

describe('applyDefaults', () => {
  it('fills missing properties recursively, including inside defaulted objects, items and maps', () => {
    const out = applyDefaults(spec, {
      targets: [{ name: 'a' }, { name: 'b', weight: 7 }],
      thresholds: { cpu: { value: 1 } },
    });
    expect(out).toEqual({
      mode: 'hybrid',
      replicas: 2,
      safety: { dryRun: false, maxActions: 5 },
      targets: [
        { name: 'a', weight: 1 },
        { name: 'b', weight: 7 },
      ],
      thresholds: { cpu: { value: 1, op: 'gt' } },
    });
  });

  it('keeps explicit values, defaults non-nullable nulls and keeps nullable nulls', () => {
    const schema: JSONSchemaProps = {
      type: 'object',
      properties: {
        a: { type: 'string', default: 'x' },
        b: { type: 'string', default: 'y', nullable: true },
        c: { type: 'boolean', default: true },
      },
    };
    expect(applyDefaults(schema, { a: null, b: null, c: false })).toEqual({ a: 'x', b: null, c: false });
  });

  it('defaults null array items and null map values when the item schema has a default', () => {
    const schema: JSONSchemaProps = {
      type: 'object',
      properties: {
        list: { type: 'array', items: { type: 'string', default: 'd' } },
        map: { type: 'object', additionalProperties: { type: 'integer', default: 0 } },
      },
    };
    expect(applyDefaults(schema, { list: ['a', null], map: { k: null } })).toEqual({
      list: ['a', 'd'],
      map: { k: 0 },
    });
  });

  it('pruneNonNullableNulls drops nulls without default or nullable', () => {
    const schema: JSONSchemaProps = {
      type: 'object',
      properties: {
        a: { type: 'string' },
        b: { type: 'string', nullable: true },
        list: { type: 'array', items: { type: 'string' } },
      },
    };
    expect(pruneNonNullableNulls(schema, { a: null, b: null, list: [null] })).toEqual({
      b: null,
      list: [null],
    });
  });
});

describe('validateStructuralSchema', () => {
  const base = 'spec.versions[0].schema.openAPIV3Schema';

  it('accepts a well-formed schema', () => {
    expect(validateStructuralSchema(policySchema, base)).toEqual([]);
  });

  it('requires types, items, and a typed root', () => {
    const msgs = validateStructuralSchema(
      { type: 'object', properties: { spec: { properties: { list: { type: 'array' } } } } },
      base,
    ).map((e) => e.message);
    // Sorted by message, as the apiserver sorts them.
    expect(msgs).toEqual([
      `${base}.properties[spec].properties[list].items: Required value: must be specified`,
      `${base}.properties[spec].type: Required value: must not be empty for specified object fields`,
    ]);
    expect(validateStructuralSchema({ properties: {} }, base).map((e) => e.message)).toEqual([
      `${base}.type: Required value: must not be empty at the root`,
    ]);
    expect(validateStructuralSchema({ type: 'string' }, base)[0]?.message).toBe(
      `${base}.type: Invalid value: "string": must be object at the root`,
    );
    expect(
      validateStructuralSchema({ type: 'object', properties: { a: { type: 'array', items: {} } } }, base)[0]
        ?.message,
    ).toBe(`${base}.properties[a].items.type: Required value: must not be empty for specified array items`);
  });

  it('checks defaults against their own schema', () => {
    const msgs = validateStructuralSchema(
      {
        type: 'object',
        properties: {
          spec: { type: 'object', properties: { replicas: { type: 'integer', maximum: 10, default: 200 } } },
          mode: { type: 'string', default: 3 },
          obj: { type: 'object', properties: { a: { type: 'string' } }, default: { a: 'x', b: 1 } },
        },
      },
      base,
    ).map((e) => e.message);
    expect(msgs).toEqual([
      `${base}.properties[mode].default: Invalid value: "integer": in body must be of type string: "integer"`,
      `${base}.properties[obj].default: Invalid value: {"a":"x","b":1}: must not have unknown fields: "b"`,
      `${base}.properties[spec].properties[replicas].default: Invalid value: 200: in body should be less than or equal to 10`,
    ]);
  });

  it('rejects non-structural constructs and malformed keywords', () => {
    const fields = validateStructuralSchema(
      {
        type: 'object',
        properties: {
          a: {
            type: 'object',
            properties: { x: { type: 'string' } },
            additionalProperties: { type: 'string' },
          },
          b: { type: 'array', items: { type: 'string' }, uniqueItems: true },
          c: { type: 'string', anyOf: [{ type: 'string' }] },
          d: { type: 'strin' },
          e: { type: 'string', pattern: '([' },
          f: { type: 'array', 'x-kubernetes-list-type': 'map', items: { type: 'object' } },
          g: { type: 'integer', maximum: '10' } as unknown as JSONSchemaProps,
        },
      },
      base,
    ).map((e) => `${e.field} ${e.type}`);
    expect(fields).toEqual([
      `${base}.properties[a].additionalProperties FieldValueForbidden`,
      `${base}.properties[b].uniqueItems FieldValueForbidden`,
      `${base}.properties[c].anyOf[0].type FieldValueForbidden`,
      `${base}.properties[d].type FieldValueNotSupported`,
      `${base}.properties[e].pattern FieldValueInvalid`,
      `${base}.properties[f].x-kubernetes-list-map-keys FieldValueRequired`,
      `${base}.properties[g].maximum FieldValueInvalid`,
    ]);
    expect(validateStructuralSchema('nope', base)[0]?.field).toBe(base);
  });

  it('enforces resource-level rules at the root and in embedded resources', () => {
    const msgs = (schema: JSONSchemaProps) => validateStructuralSchema(schema, base).map((e) => e.message);
    expect(msgs({ type: 'object', additionalProperties: { type: 'string' } })).toEqual([
      `${base}.additionalProperties: Forbidden: must not be used at the root`,
    ]);
    expect(
      msgs({
        type: 'object',
        properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } },
      }),
    ).toEqual([
      `${base}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
    ]);
    expect(
      msgs({
        type: 'object',
        properties: { metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 20 } } } },
      }),
    ).toEqual([]);
    expect(msgs({ type: 'object', properties: { kind: { type: 'integer' } } })).toEqual([
      `${base}.properties[kind].type: Invalid value: "integer": must be string`,
    ]);
    expect(
      msgs({ type: 'object', properties: { t: { type: 'object', 'x-kubernetes-embedded-resource': true } } }),
    ).toEqual([
      `${base}.properties[t].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields`,
    ]);
    expect(
      msgs({
        type: 'object',
        properties: {
          t: {
            type: 'object',
            'x-kubernetes-embedded-resource': true,
            'x-kubernetes-preserve-unknown-fields': true,
          },
        },
      }),
    ).toEqual([]);
  });

  it('rejects unsupported keywords, bad list types and conflicting extensions', () => {
    const msgs = (prop: JsonObject) =>
      validateStructuralSchema({ type: 'object', properties: { p: prop } }, base).map((e) =>
        e.message.slice(`${base}.properties[p].`.length),
      );
    expect(msgs({ $ref: '#/definitions/x' })).toEqual([
      '$ref: Forbidden: $ref is not supported',
      'type: Required value: must not be empty for specified object fields',
    ]);
    expect(msgs({ type: 'array', items: [{ type: 'string' }] })).toEqual([
      'items: Forbidden: items must be a schema object and not an array',
    ]);
    expect(msgs({ type: 'string', 'x-kubernetes-list-type': 'set' })).toEqual([
      'x-kubernetes-list-type: Invalid value: "set": must only be used on type array',
    ]);
    expect(
      msgs({ type: 'array', items: { type: 'string' }, 'x-kubernetes-list-map-keys': ['name'] }),
    ).toEqual([
      'x-kubernetes-list-type: Required value: must be map if x-kubernetes-list-map-keys is non-empty',
    ]);
    expect(msgs({ type: 'object', 'x-kubernetes-preserve-unknown-fields': false })).toEqual([
      'x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined',
    ]);
    expect(
      msgs({ 'x-kubernetes-int-or-string': true, 'x-kubernetes-preserve-unknown-fields': true }),
    ).toEqual([
      'x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true',
    ]);
    expect(msgs({ type: 'object', anyOf: [{ properties: { metadata: {} }, description: 'x' }] })).toEqual([
      'anyOf[0].description: Forbidden: must be empty to be structural',
      'anyOf[0].properties[metadata]: Forbidden: must not be specified in a nested context',
    ]);
  });

  it('accepts the int-or-string anyOf and allOf patterns', () => {
    const anyOf = [{ type: 'integer' }, { type: 'string' }];
    expect(
      validateStructuralSchema(
        {
          type: 'object',
          properties: {
            a: { 'x-kubernetes-int-or-string': true, anyOf },
            b: { 'x-kubernetes-int-or-string': true, allOf: [{ anyOf }, { pattern: '^[0-9]+%?$' }] },
          },
        },
        base,
      ),
    ).toEqual([]);
  });

  it('accepts int-or-string and preserve-unknown-fields nodes without a type', () => {
    expect(
      validateStructuralSchema(
        {
          type: 'object',
          properties: {
            port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
            blob: { 'x-kubernetes-preserve-unknown-fields': true },
          },
        },
        base,
      ),
    ).toEqual([]);
  });
});

describe('processCustomResource', () => {
  const obj = (specValue: JsonObject): JsonObject => ({
    apiVersion: 'example.com/v1',
    kind: 'Policy',
    metadata: { name: 'p', namespace: 'default' },
    spec: specValue,
  });

  it('prunes, defaults and validates a valid object', () => {
    const r = processCustomResource(policySchema, obj({ targets: [{ name: 'a' }], foo: 1 }), 'Warn');
    expect(r.errors).toEqual([]);
    expect(r.unknownFields).toEqual(['spec.foo']);
    expect(r.warnings).toEqual(['unknown field "spec.foo"']);
    expect(r.object.spec).toEqual({
      targets: [{ name: 'a', weight: 1 }],
      mode: 'hybrid',
      replicas: 2,
      safety: { dryRun: false, maxActions: 5 },
    });
    expect(r.object.metadata).toEqual({ name: 'p', namespace: 'default' });
  });

  it('reports unknown fields as errors in Strict mode and stops there', () => {
    const r = processCustomResource(
      policySchema,
      obj({ foo: 1, targets: [{ name: 'a', bar: 2 }], mode: 'bad' }),
      'Strict',
    );
    expect(r.errors.map((e) => e.message)).toEqual([
      'unknown field "spec.foo"',
      'unknown field "spec.targets[0].bar"',
    ]);
    expect(r.warnings).toEqual([]);
  });

  it('ignores unknown fields silently in Ignore mode, and validates after defaulting', () => {
    const r = processCustomResource(policySchema, obj({ foo: 1, mode: 'bad', replicas: null }), 'Ignore');
    expect(r.warnings).toEqual([]);
    expect(r.unknownFields).toEqual(['spec.foo']);
    expect(r.object.spec).toMatchObject({ replicas: 2 });
    expect(r.errors.map((e) => e.message)).toEqual([
      'spec.targets: Required value',
      'spec.mode: Unsupported value: "bad": supported values: "rules", "ml", "hybrid"',
    ]);
  });

  it('drops non-nullable nulls without defaults instead of failing', () => {
    const r = processCustomResource(policySchema, obj({ targets: [{ name: 'a' }], name: null }), 'Strict');
    expect(r.errors).toEqual([]);
    expect(r.object.spec).not.toHaveProperty('name');
  });

  it('does not validate metadata against the schema', () => {
    const schema: JSONSchemaProps = {
      type: 'object',
      required: ['metadata', 'spec'],
      properties: { metadata: { type: 'string' } },
    };
    const r = processCustomResource(
      schema,
      { apiVersion: 'a/v1', kind: 'K', metadata: { name: 'x' } },
      'Strict',
    );
    expect(r.errors.map((e) => e.message)).toEqual(['spec: Required value']);
  });
});
