import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/json/json-value.js';
import {
  applyDefaults,
  type JSONSchemaProps,
  pruneNonNullableNulls,
  pruneUnknownFields,
} from '../../src/sandbox/schema-validation.js';
import { policySchema, spec } from './schema-fixtures.js';

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
