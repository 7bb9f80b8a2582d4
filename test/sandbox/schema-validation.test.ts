import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/json/json-value.js';
import {
  type JSONSchemaProps,
  processCustomResource,
  validateValue,
} from '../../src/sandbox/schema-validation.js';
import { policySchema, spec } from './schema-fixtures.js';

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
    expect(messages(dt, '2024-01-02T03:04:05.123+02:00', 'spec.t')).toEqual([]);
    expect(messages(dt, '2024-01-02T03:04Z', 'spec.t')).toEqual([]);
    expect(messages({ type: 'string', format: 'unknown-format' }, 'x', 'spec.t')).toEqual([]);
    // Number formats are documentation only; the apiserver does not range-check them.
    expect(messages({ type: 'integer', format: 'int32' }, 2 ** 40, 'spec.n')).toEqual([]);
    expect(messages({ type: 'string', format: 'uuid' }, 'nope', 'spec.u')).toEqual([
      'spec.u: Invalid value: "nope": spec.u in body must be of type uuid: "nope"',
    ]);
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
      // The schema has CEL rules, which the apiserver does not run on an object with such errors.
      '<nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });

  it('drops non-nullable nulls without defaults instead of failing', () => {
    const r = processCustomResource(policySchema, obj({ targets: [{ name: 'a' }], name: null }), 'Strict');
    expect(r.errors).toEqual([]);
    expect(r.object.spec).not.toHaveProperty('name');
  });

  it('checks metadata.name against the schema, and nothing else in metadata', () => {
    const schema: JSONSchemaProps = {
      type: 'object',
      properties: { metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 5 } } } },
    };
    const r = processCustomResource(
      schema,
      { apiVersion: 'a/v1', kind: 'K', metadata: { name: 'too-long', labels: { a: 'b' } } },
      'Strict',
    );
    expect(r.errors.map((e) => e.message)).toEqual(['metadata.name: Too long: may not be more than 5 bytes']);
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
