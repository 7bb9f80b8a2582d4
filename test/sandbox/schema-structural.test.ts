import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/json/json-value.js';
import { type JSONSchemaProps, validateStructuralSchema } from '../../src/sandbox/schema-validation.js';
import { policySchema } from './schema-fixtures.js';

describe('validateStructuralSchema', () => {
  const base = 'spec.versions[0].schema.openAPIV3Schema';

  it('accepts a well-formed schema', () => {
    expect(validateStructuralSchema(policySchema, base)).toEqual([]);
  });

  it('accepts a kubebuilder-style schema with standard conditions and an int-or-string field', () => {
    const condition = {
      type: 'object',
      required: ['lastTransitionTime', 'message', 'reason', 'status', 'type'],
      properties: {
        lastTransitionTime: { type: 'string', format: 'date-time' },
        message: { type: 'string', maxLength: 32768 },
        observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
        reason: {
          type: 'string',
          maxLength: 1024,
          minLength: 1,
          pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
        },
        status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
        type: {
          type: 'string',
          maxLength: 316,
          pattern:
            '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
        },
      },
    };
    const schema = {
      description: 'RemediationPolicy is the Schema for the remediationpolicies API',
      type: 'object',
      properties: {
        apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema' },
        kind: { type: 'string' },
        metadata: { type: 'object' },
        spec: {
          type: 'object',
          properties: {
            maxUnavailable: {
              anyOf: [{ type: 'integer' }, { type: 'string' }],
              'x-kubernetes-int-or-string': true,
            },
            selector: {
              type: 'object',
              properties: {
                matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
                matchExpressions: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['key', 'operator'],
                    properties: {
                      key: { type: 'string' },
                      operator: { type: 'string' },
                      values: {
                        type: 'array',
                        items: { type: 'string' },
                        'x-kubernetes-list-type': 'atomic',
                      },
                    },
                  },
                  'x-kubernetes-list-type': 'atomic',
                },
              },
              'x-kubernetes-map-type': 'atomic',
            },
          },
          'x-kubernetes-validations': [{ rule: 'has(self.selector)', message: 'selector is required' }],
        },
        status: {
          type: 'object',
          properties: {
            conditions: {
              type: 'array',
              items: condition,
              'x-kubernetes-list-map-keys': ['type'],
              'x-kubernetes-list-type': 'map',
            },
          },
        },
      },
    };
    expect(validateStructuralSchema(schema, base)).toEqual([]);
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
      'type: Invalid value: "string": must be array if x-kubernetes-list-type is specified',
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

  it('applies the apiserver rules for defaults, null types, map types, map keys and CEL rule shapes', () => {
    const msgs = (schema: JsonObject) =>
      validateStructuralSchema(schema, base).map((e) => e.message.slice(base.length + 1));
    expect(msgs({ type: 'object', properties: { metadata: { type: 'object', default: {} } } })).toEqual([
      'properties[metadata].default: Forbidden: must not be set in top-level metadata',
    ]);
    expect(msgs({ type: 'object', nullable: true })).toEqual([
      'nullable: Forbidden: nullable cannot be true at the root',
    ]);
    expect(msgs({ type: 'object', properties: { n: { type: 'null' } } })).toEqual([
      'properties[n].type: Forbidden: type cannot be set to null, use nullable as an alternative',
    ]);
    expect(
      msgs({ type: 'object', properties: { m: { type: 'string', 'x-kubernetes-map-type': 'atomic' } } }),
    ).toEqual([
      'properties[m].type: Invalid value: "string": must be object if x-kubernetes-map-type is specified',
    ]);
    const mapList = (items: JsonObject, keys: string[]) => ({
      type: 'object',
      properties: {
        l: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': keys, items },
      },
    });
    expect(msgs(mapList({ type: 'object', properties: { name: { type: 'string' } } }, ['name']))).toEqual([
      'properties[l].items.properties[name].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property',
    ]);
    expect(
      msgs(
        mapList({ type: 'object', required: ['name'], properties: { name: { type: 'string' } } }, [
          'name',
          'port',
        ]),
      ),
    ).toEqual([
      'properties[l].x-kubernetes-list-map-keys: Invalid value: ["name","port"]: entries must all be names of item properties',
    ]);
    expect(
      msgs({
        type: 'object',
        'x-kubernetes-validations': [{ rule: ' ' }, { rule: 'self.a > 0', message: 'bad\nline' }],
      }),
    ).toEqual([
      'x-kubernetes-validations[0].rule: Required value: rule is not specified',
      'x-kubernetes-validations[1].message: Invalid value: "bad\\nline": message must not contain line breaks',
    ]);
  });

  it('requires atomic object items in set lists', () => {
    const schema = {
      type: 'object',
      properties: {
        s: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'object', properties: {} } },
      },
    };
    expect(validateStructuralSchema(schema, base).map((e) => e.message)).toEqual([
      `${base}.properties[s].items.x-kubernetes-map-type: Invalid value: null: must be atomic as item of a list with x-kubernetes-list-type=set`,
    ]);
    const atomic = structuredClone(schema);
    (atomic.properties.s.items as Record<string, unknown>)['x-kubernetes-map-type'] = 'atomic';
    expect(validateStructuralSchema(atomic, base)).toEqual([]);
  });

  it('checks defaults only once the schema is structural, as upstream', () => {
    const schema = { type: 'object', properties: { a: { type: 'integer', default: 'x' }, b: {} } };
    expect(validateStructuralSchema(schema, base).map((e) => e.field)).toEqual([
      `${base}.properties[b].type`,
    ]);
  });

  it('accepts Go regexp syntax in patterns', () => {
    const schema = {
      type: 'object',
      properties: { a: { type: 'string', pattern: '(?i)^[[:alpha:]]\\-x\\z' } },
    };
    expect(validateStructuralSchema(schema, base)).toEqual([]);
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
