/**
 * The checks a CRD's openAPIV3Schema must pass before the apiserver accepts the CRD: a structural schema
 * (every node typed, arrays with items, no properties next to an additionalProperties schema), sane shapes for
 * every keyword, and defaults that survive pruning and validate against their own schema.
 * Paths follow the apiserver: `...openAPIV3Schema.properties[spec].type`.
 */
import { type FieldError, forbidden, invalid, required } from './field-errors.js';
import { isJsonObject, type JsonValue } from './json.js';
import { pruneUnknownFields } from './schema-pruning.js';
import type { JSONSchemaProps } from './schema-types.js';
import { validateValue } from './schema-value-validation.js';

const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);
const NUMBER_KEYS = ['minimum', 'maximum', 'multipleOf'] as const;
const COUNT_KEYS = [
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
] as const;
const BOOL_KEYS = [
  'exclusiveMinimum',
  'exclusiveMaximum',
  'uniqueItems',
  'nullable',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
] as const;

/** `intOrStringJunctor`: under x-kubernetes-int-or-string, anyOf/allOf may name `type: integer|string`. */
type Where = 'root' | 'property' | 'items' | 'additionalProperties' | 'junctor' | 'intOrStringJunctor';

export function validateStructuralSchema(schema: JSONSchemaProps | JsonValue, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isJsonObject(schema as JsonValue)) {
    errs.push(required(path, 'must be an object'));
    return errs;
  }
  const root = schema as JSONSchemaProps;
  if (root.type !== undefined && root.type !== 'object') {
    errs.push(invalid(`${path}.type`, root.type as JsonValue, 'must be object at the root'));
  }
  walk(root, path, 'root', errs);
  return errs;
}

function walk(s: JSONSchemaProps, path: string, where: Where, errs: FieldError[]): void {
  const raw = s as unknown as Record<string, JsonValue | undefined>;
  checkShapes(raw, path, errs);
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  if (where !== 'junctor' && where !== 'intOrStringJunctor') {
    if (s.type === undefined || s.type === '') {
      if (!intOrString && !preserve) {
        const why =
          where === 'root'
            ? 'must not be empty at the root'
            : where === 'items'
              ? 'must not be empty for specified array items'
              : 'must not be empty for specified object fields';
        errs.push(required(`${path}.type`, why));
      }
    } else if (typeof s.type === 'string' && !TYPES.has(s.type)) {
      errs.push(invalid(`${path}.type`, s.type, `must be one of ${[...TYPES].sort().join(', ')}`));
    }
  } else {
    for (const key of ['type', 'default', 'nullable', 'additionalProperties'] as const) {
      const intOrStringType =
        key === 'type' && where === 'intOrStringJunctor' && (s.type === 'integer' || s.type === 'string');
      if (raw[key] !== undefined && !intOrStringType)
        errs.push(forbidden(`${path}.${key}`, 'must be empty to be structural'));
    }
  }
  const inJunctor = where === 'junctor' || where === 'intOrStringJunctor';
  if (s.type === 'array' && s.items === undefined && !inJunctor) {
    errs.push(required(`${path}.items`, 'must be specified'));
  }
  if (s.uniqueItems === true) {
    errs.push(
      forbidden(
        `${path}.uniqueItems`,
        'uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
      ),
    );
  }
  if (raw['x-kubernetes-preserve-unknown-fields'] === false) {
    errs.push(invalid(`${path}.x-kubernetes-preserve-unknown-fields`, false, 'must be true or undefined'));
  }
  const props = isJsonObject(raw.properties) ? raw.properties : undefined;
  if (s.additionalProperties !== undefined && props && Object.keys(props).length > 0) {
    if (s.additionalProperties !== true) {
      errs.push(
        forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'),
      );
    }
  }
  if (s['x-kubernetes-embedded-resource'] === true && s.type !== 'object') {
    errs.push(
      invalid(
        `${path}.type`,
        (s.type ?? '') as JsonValue,
        'must be object if x-kubernetes-embedded-resource is true',
      ),
    );
  }
  const listType = s['x-kubernetes-list-type'];
  if (listType !== undefined && !['atomic', 'set', 'map'].includes(listType)) {
    errs.push(invalid(`${path}.x-kubernetes-list-type`, listType, 'must be one of "atomic", "set", "map"'));
  }
  if (
    listType === 'map' &&
    (!Array.isArray(s['x-kubernetes-list-map-keys']) || s['x-kubernetes-list-map-keys'].length === 0)
  ) {
    errs.push(
      required(`${path}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map'),
    );
  }
  if (Array.isArray(raw.required)) {
    raw.required.forEach((r, i) => {
      if (typeof r !== 'string') errs.push(invalid(`${path}.required[${i}]`, r, 'must be a string'));
    });
  }
  if (props) {
    for (const [key, sub] of Object.entries(props)) {
      const subPath = `${path}.properties[${key}]`;
      if (isJsonObject(sub)) walk(sub as unknown as JSONSchemaProps, subPath, 'property', errs);
      else errs.push(invalid(subPath, sub, 'must be a schema object'));
    }
  }
  if (isJsonObject(raw.items)) walk(raw.items as unknown as JSONSchemaProps, `${path}.items`, 'items', errs);
  if (isJsonObject(raw.additionalProperties)) {
    walk(
      raw.additionalProperties as unknown as JSONSchemaProps,
      `${path}.additionalProperties`,
      'additionalProperties',
      errs,
    );
  }
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = raw[key];
    if (Array.isArray(list)) {
      list.forEach((sub, i) => {
        const subWhere = intOrString && key !== 'oneOf' ? 'intOrStringJunctor' : 'junctor';
        if (isJsonObject(sub))
          walk(sub as unknown as JSONSchemaProps, `${path}.${key}[${i}]`, subWhere, errs);
      });
    }
  }
  if (isJsonObject(raw.not)) walk(raw.not as unknown as JSONSchemaProps, `${path}.not`, 'junctor', errs);
  if (s.default !== undefined && !inJunctor) checkDefault(s, `${path}.default`, errs);
}

function checkShapes(raw: Record<string, JsonValue | undefined>, path: string, errs: FieldError[]): void {
  const expect = (key: string, ok: (v: JsonValue) => boolean, what: string) => {
    const v = raw[key];
    if (v !== undefined && !ok(v)) errs.push(invalid(`${path}.${key}`, v, `must be ${what}`));
  };
  expect('type', (v) => typeof v === 'string', 'a string');
  expect('properties', isJsonObject, 'an object of schemas');
  expect('items', isJsonObject, 'a single schema (tuple items are not structural)');
  expect('additionalProperties', (v) => typeof v === 'boolean' || isJsonObject(v), 'a boolean or a schema');
  expect('required', Array.isArray, 'a list of strings');
  expect('enum', Array.isArray, 'a list');
  expect('pattern', (v) => typeof v === 'string' && compiles(v), 'a valid regular expression');
  for (const key of NUMBER_KEYS) expect(key, (v) => typeof v === 'number', 'a number');
  for (const key of COUNT_KEYS)
    expect(key, (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0, 'a non-negative integer');
  for (const key of BOOL_KEYS) expect(key, (v) => typeof v === 'boolean', 'a boolean');
  for (const key of ['allOf', 'anyOf', 'oneOf']) expect(key, Array.isArray, 'a list of schemas');
  expect('not', isJsonObject, 'a schema');
  expect(
    'x-kubernetes-list-map-keys',
    (v) => Array.isArray(v) && v.every((k) => typeof k === 'string'),
    'a list of strings',
  );
  expect('x-kubernetes-validations', Array.isArray, 'a list of rules');
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

function checkDefault(s: JSONSchemaProps, path: string, errs: FieldError[]): void {
  const value = s.default as JsonValue;
  const { pruned } = pruneUnknownFields(s, value, { resourceRoot: false });
  if (pruned.length > 0) {
    errs.push(
      invalid(
        path,
        value,
        `must not have unknown fields: ${pruned.map((p) => JSON.stringify(p)).join(', ')}`,
      ),
    );
  }
  for (const e of validateValue(s, value, '')) {
    const field = e.field === '' ? path : `${path}.${e.field}`;
    errs.push({ ...e, field, message: `${field}: ${e.detail}` });
  }
}
