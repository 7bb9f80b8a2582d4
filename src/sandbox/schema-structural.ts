/**
 * The checks a CRD's openAPIV3Schema must pass before the apiserver accepts the CRD, following
 * apiextensions-apiserver: keyword support and shapes (ValidateCustomResourceDefinitionOpenAPISchema), structural
 * invariants (schema.ValidateStructural: typed nodes, items for arrays, nothing structural inside anyOf/allOf/
 * oneOf/not except the int-or-string pattern, metadata limited to name/generateName) and defaults that survive
 * pruning and validate against their own schema. Paths look like `...openAPIV3Schema.properties[spec].type`;
 * errors are sorted by message, as upstream sorts them.
 */

import { isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import { type FieldError, forbidden, invalid, notSupported, required } from './field-errors.js';
import { compileGoRegexp } from './go-regexp.js';
import { checkCelRules, checkListType } from './schema-extension-rules.js';
import { pruneUnknownFields } from './schema-pruning.js';
import type { JSONSchemaProps } from './schema-types.js';
import { validateValue } from './schema-value-validation.js';

type Level = 'root' | 'item' | 'field';

const TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const UNSUPPORTED = [
  '$ref',
  '$schema',
  'id',
  'definitions',
  'dependencies',
  'patternProperties',
  'additionalItems',
];
const NUMBER_KEYS = ['minimum', 'maximum', 'multipleOf'];
const COUNT_KEYS = ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties'];
const BOOL_KEYS = [
  'exclusiveMinimum',
  'exclusiveMaximum',
  'uniqueItems',
  'nullable',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
];

export function validateStructuralSchema(schema: JSONSchemaProps | JsonValue, path: string): FieldError[] {
  if (!isJsonObject(schema as JsonValue)) return [required(path, 'must be a schema object')];
  const root = schema as JsonObject;
  const errs: FieldError[] = [];
  const pending: PendingDefault[] = [];
  if (root.nullable === true) errs.push(forbidden(`${path}.nullable`, 'nullable cannot be true at the root'));
  walk(root, path, 'root', errs, { insideResourceMeta: false }, pending);
  errs.sort(byMessage);
  // Upstream validates defaults only once the schema is structural.
  if (errs.length === 0) for (const d of pending) checkDefault(d.schema, d.path, errs);
  return errs.sort(byMessage);
}

function byMessage(a: FieldError, b: FieldError): number {
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

/** Where a node sits relative to TypeMeta/ObjectMeta, which changes what defaults may do there. */
interface MetaContext {
  insideResourceMeta: boolean;
  forbidDefaults?: string;
  /** The outermost enclosing items without old values to correlate (not a map list): oldSelf is meaningless there. */
  uncorrelatable?: string;
}

interface PendingDefault {
  schema: JSONSchemaProps;
  path: string;
}

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

const obj = (v: JsonValue | undefined): JsonObject | undefined => (isJsonObject(v) ? v : undefined);
const str = (v: JsonValue | undefined): string => (typeof v === 'string' ? v : '');

/** One node of the structural tree (the root, a property, array items or additionalProperties). */
function walk(
  s: JsonObject,
  path: string,
  level: Level,
  errs: FieldError[],
  meta: MetaContext,
  pending: PendingDefault[],
): void {
  checkKeywords(s, path, errs);
  const rules = s['x-kubernetes-validations'];
  if (Array.isArray(rules)) checkCelRules(rules, path, errs, s, meta.uncorrelatable);
  const type = str(s.type);
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  const props = obj(s.properties);
  const items = obj(s.items);

  if (type === 'array' && s.items === undefined) errs.push(required(`${path}.items`, 'must be specified'));
  if (type === 'null') {
    errs.push(forbidden(`${path}.type`, 'type cannot be set to null, use nullable as an alternative'));
  } else if (type !== '' && !TYPES.includes(type)) {
    errs.push(notSupported(`${path}.type`, type, TYPES));
  }
  if (meta.insideResourceMeta && embedded) {
    errs.push(
      forbidden(`${path}.x-kubernetes-embedded-resource`, 'must not be used inside of resource meta'),
    );
  }
  if (embedded && type !== 'object') {
    const why = 'must be object if x-kubernetes-embedded-resource is true';
    errs.push(type === '' ? required(`${path}.type`, why) : invalid(`${path}.type`, type, why));
  } else if (type === '' && !intOrString && !preserve) {
    const why = {
      root: 'must not be empty at the root',
      item: 'must not be empty for specified array items',
      field: 'must not be empty for specified object fields',
    }[level];
    errs.push(required(`${path}.type`, why));
  }
  if (level === 'root' && type !== '' && type !== 'object')
    errs.push(invalid(`${path}.type`, type, 'must be object at the root'));
  if (s.additionalProperties !== undefined) {
    if (level === 'root')
      errs.push(forbidden(`${path}.additionalProperties`, 'must not be used at the root'));
    if (embedded) {
      errs.push(
        forbidden(
          `${path}.additionalProperties`,
          'must not be used if x-kubernetes-embedded-resource is set',
        ),
      );
    }
    if (props && Object.keys(props).length > 0 && s.additionalProperties !== true) {
      errs.push(
        forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'),
      );
    }
  }
  if (s['x-kubernetes-preserve-unknown-fields'] === false) {
    errs.push(invalid(`${path}.x-kubernetes-preserve-unknown-fields`, false, 'must be true or undefined'));
  }
  if (intOrString && preserve) {
    const why = 'must be false if x-kubernetes-int-or-string is true';
    errs.push(invalid(`${path}.x-kubernetes-preserve-unknown-fields`, true, why));
  }
  if (intOrString && embedded) {
    errs.push(
      invalid(
        `${path}.x-kubernetes-embedded-resource`,
        true,
        'must be false if x-kubernetes-int-or-string is true',
      ),
    );
  }
  if (embedded && !preserve && (!props || Object.keys(props).length === 0)) {
    const why =
      'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields';
    errs.push(required(`${path}.properties`, why));
  }
  if (level === 'root' || embedded) checkResourceFields(props, path, level, errs);
  checkListType(s, path, errs);
  checkJunctors(s, path, errs);

  if (props) {
    for (const [key, sub] of Object.entries(props)) {
      if (!isJsonObject(sub)) continue;
      let childMeta = meta;
      if ((level === 'root' || embedded) && META_FIELDS.has(key)) {
        childMeta = {
          insideResourceMeta: true,
          forbidDefaults: level === 'root' ? `in top-level ${key}` : meta.forbidDefaults,
        };
      }
      walk(sub, `${path}.properties[${key}]`, 'field', errs, childMeta, pending);
    }
  }
  if (items) {
    const correlated = s['x-kubernetes-list-type'] === 'map' || meta.uncorrelatable !== undefined;
    const itemMeta = correlated ? meta : { ...meta, uncorrelatable: `${path}.items` };
    walk(items, `${path}.items`, 'item', errs, itemMeta, pending);
  }
  const additional = obj(s.additionalProperties);
  if (additional) {
    const childMeta = meta.insideResourceMeta
      ? { ...meta, forbidDefaults: 'inside additionalProperties applying to object metadata' }
      : meta;
    walk(additional, `${path}.additionalProperties`, 'field', errs, childMeta, pending);
  }
  if (s.default !== undefined) {
    if (meta.forbidDefaults !== undefined) {
      errs.push(forbidden(`${path}.default`, `must not be set ${meta.forbidDefaults}`));
    } else {
      pending.push({ schema: s as JSONSchemaProps, path: `${path}.default` });
    }
  }
}

/** Shapes of every keyword, and the keywords CRDs do not support at all. */
function checkKeywords(s: JsonObject, path: string, errs: FieldError[]): void {
  const expect = (key: string, ok: (v: JsonValue) => boolean, what: string) => {
    const v = s[key];
    if (v !== undefined && !ok(v)) errs.push(invalid(`${path}.${key}`, v, `must be ${what}`));
  };
  for (const key of UNSUPPORTED)
    if (s[key] !== undefined) errs.push(forbidden(`${path}.${key}`, `${key} is not supported`));
  if (Array.isArray(s.items))
    errs.push(forbidden(`${path}.items`, 'items must be a schema object and not an array'));
  else expect('items', isJsonObject, 'a schema object');
  if (s.uniqueItems === true) {
    errs.push(
      forbidden(
        `${path}.uniqueItems`,
        'uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
      ),
    );
  }
  expect('type', (v) => typeof v === 'string', 'a string');
  expect(
    'properties',
    (v) => isJsonObject(v) && Object.values(v).every(isJsonObject),
    'an object of schemas',
  );
  expect('additionalProperties', (v) => typeof v === 'boolean' || isJsonObject(v), 'a boolean or a schema');
  expect('required', (v) => Array.isArray(v) && v.every((r) => typeof r === 'string'), 'a list of strings');
  expect('enum', Array.isArray, 'a list');
  for (const key of NUMBER_KEYS) expect(key, (v) => typeof v === 'number', 'a number');
  for (const key of COUNT_KEYS)
    expect(key, (v) => Number.isInteger(v) && (v as number) >= 0, 'a non-negative integer');
  for (const key of BOOL_KEYS) expect(key, (v) => typeof v === 'boolean', 'a boolean');
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    expect(key, (v) => Array.isArray(v) && v.every(isJsonObject), 'a list of schemas');
  }
  expect('not', isJsonObject, 'a schema');
  expect('x-kubernetes-validations', Array.isArray, 'a list of rules');
  if (typeof s.pattern === 'string') {
    try {
      compileGoRegexp(s.pattern);
    } catch (err) {
      const why = `must be a valid regular expression, but isn't: ${(err as Error).message}`;
      errs.push(invalid(`${path}.pattern`, s.pattern, why));
    }
  } else {
    expect('pattern', () => false, 'a string');
  }
}

/** apiVersion and kind must be strings, metadata an object; at the root metadata may only restate name/generateName. */
function checkResourceFields(
  props: JsonObject | undefined,
  path: string,
  level: Level,
  errs: FieldError[],
): void {
  if (!props) return;
  for (const [key, want] of [
    ['kind', 'string'],
    ['apiVersion', 'string'],
    ['metadata', 'object'],
  ] as const) {
    const prop = obj(props[key]);
    if (prop && prop.type !== want) {
      errs.push(invalid(`${path}.properties[${key}].type`, str(prop.type), `must be ${want}`));
    }
  }
  const metadata = obj(props.metadata);
  if (level !== 'root' || !metadata) return;
  const { type: _type, properties, ...rest } = metadata;
  const metaProps = obj(properties) ?? {};
  const extraProps = Object.keys(metaProps).filter((k) => k !== 'name' && k !== 'generateName');
  const extraKeys = Object.keys(rest).filter((k) => k !== 'default' && k !== 'description');
  if (extraProps.length > 0 || extraKeys.length > 0) {
    const why =
      'must not specify anything other than name and generateName, but metadata is implicitly specified';
    errs.push(forbidden(`${path}.properties[metadata]`, why));
  }
}

const INT_OR_STRING_ANY_OF = [{ type: 'integer' }, { type: 'string' }];

function isIntOrStringAnyOf(list: JsonValue | undefined): boolean {
  return (
    Array.isArray(list) &&
    list.length === 2 &&
    list.every(
      (entry, i) =>
        isJsonObject(entry) &&
        Object.keys(entry).length === 1 &&
        entry.type === INT_OR_STRING_ANY_OF[i]?.type,
    )
  );
}

/** Value validation (anyOf/allOf/oneOf/not) must not carry structure, except the int-or-string anyOf pattern. */
function checkJunctors(s: JsonObject, path: string, errs: FieldError[]): void {
  const skipAnyOf = isIntOrStringAnyOf(s.anyOf);
  const allOf = Array.isArray(s.allOf) ? s.allOf : [];
  const skipFirstAllOfAnyOf = isJsonObject(allOf[0]) && isIntOrStringAnyOf(allOf[0].anyOf);
  if (!skipAnyOf && Array.isArray(s.anyOf)) {
    for (const [i, sub] of s.anyOf.entries()) nested(sub, `${path}.anyOf[${i}]`, false, errs);
  }
  for (const [i, sub] of allOf.entries())
    nested(sub, `${path}.allOf[${i}]`, i === 0 && skipFirstAllOfAnyOf, errs);
  if (Array.isArray(s.oneOf)) {
    for (const [i, sub] of s.oneOf.entries()) nested(sub, `${path}.oneOf[${i}]`, false, errs);
  }
  if (s.not !== undefined) nested(s.not, `${path}.not`, false, errs);
}

function nested(v: JsonValue, path: string, skipAnyOf: boolean, errs: FieldError[]): void {
  if (!isJsonObject(v)) return;
  const forbid = (key: string, why: string) => errs.push(forbidden(`${path}.${key}`, why));
  if (v.type !== undefined) forbid('type', 'must be empty to be structural');
  if (v.additionalProperties !== undefined)
    forbid('additionalProperties', 'must be undefined to be structural');
  if (v.default !== undefined) forbid('default', 'must be undefined to be structural');
  if (str(v.title) !== '') forbid('title', 'must be empty to be structural');
  if (str(v.description) !== '') forbid('description', 'must be empty to be structural');
  if (v.nullable === true) forbid('nullable', 'must be false to be structural');
  for (const ext of [
    'x-kubernetes-preserve-unknown-fields',
    'x-kubernetes-embedded-resource',
    'x-kubernetes-int-or-string',
  ]) {
    if (v[ext] === true) forbid(ext, 'must be false to be structural');
  }
  if (Array.isArray(v['x-kubernetes-list-map-keys']) && v['x-kubernetes-list-map-keys'].length > 0) {
    forbid('x-kubernetes-list-map-keys', 'must be empty to be structural');
  }
  if (v['x-kubernetes-list-type'] !== undefined)
    forbid('x-kubernetes-list-type', 'must be undefined to be structural');
  const props = obj(v.properties);
  if (props?.metadata !== undefined)
    forbid('properties[metadata]', 'must not be specified in a nested context');
  if (props)
    for (const [k, sub] of Object.entries(props)) nested(sub, `${path}.properties[${k}]`, false, errs);
  if (v.items !== undefined) nested(v.items, `${path}.items`, false, errs);
  if (!skipAnyOf && Array.isArray(v.anyOf)) {
    for (const [i, sub] of v.anyOf.entries()) nested(sub, `${path}.anyOf[${i}]`, false, errs);
  }
  if (Array.isArray(v.allOf)) {
    for (const [i, sub] of v.allOf.entries()) nested(sub, `${path}.allOf[${i}]`, false, errs);
  }
  if (Array.isArray(v.oneOf)) {
    for (const [i, sub] of v.oneOf.entries()) nested(sub, `${path}.oneOf[${i}]`, false, errs);
  }
  if (v.not !== undefined) nested(v.not, `${path}.not`, false, errs);
}

/** Defaults must be pruned already and must validate against the schema they sit in. */
function checkDefault(s: JSONSchemaProps, path: string, errs: FieldError[]): void {
  const value = s.default as JsonValue;
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  const { pruned } = pruneUnknownFields(s, value, { resourceRoot: embedded });
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
