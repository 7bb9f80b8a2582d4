/**
 * Validates a value against a CRD schema with kube-openapi's rules and the apiserver's message texts
 * (`spec.x in body should be less than or equal to 100`), converted to field errors the way
 * apiextensions-apiserver does (Required, NotSupported, TooLong, TooMany, TypeInvalid, Invalid).
 */

import { deepEqual, isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import {
  childPath,
  duplicate,
  type FieldError,
  indexPath,
  invalid,
  jsonTypeName,
  notSupported,
  required,
  tooLong,
  tooMany,
  typeInvalid,
} from './field-errors.js';
import { cachedGoRegexp } from './go-regexp.js';
import { additionalSchema, itemsSchema, type JSONSchemaProps, propertySchema } from './schema-types.js';

/** "spec.x in body" — kube-openapi's subject for every message. */
function subject(path: string): string {
  return path === '' ? 'in body' : `${path} in body`;
}

function typeMatches(type: string, value: JsonValue): boolean {
  switch (type) {
    case 'object':
      return isJsonObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

const FORMATS: Record<string, (v: string) => boolean> = {
  // strfmt accepts RFC 3339 plus reduced-precision and zone-less ISO 8601 variants.
  'date-time': (v) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/.test(v),
  datetime: (v) => FORMATS['date-time']?.(v) ?? true,
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)),
  uuid: (v) => /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/.test(v),
  ipv4: (v) => /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(v),
  ipv6: (v) => v.includes(':') && /^[0-9a-fA-F:.]+$/.test(v),
  hostname: (v) =>
    v.length <= 255 &&
    /^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$/.test(v),
  email: (v) => /^[^@\s]+@[^@\s]+$/.test(v),
  byte: (v) => /^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v),
  duration: (v) => /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h|d|w))+$/.test(v),
  cidr: (v) => /^[0-9a-fA-F:.]+\/\d{1,3}$/.test(v),
};

export function validateValue(schema: JSONSchemaProps, value: JsonValue, path: string): FieldError[] {
  const errs: FieldError[] = [];
  validateNode(schema, value, path, errs);
  return errs;
}

function validateNode(schema: JSONSchemaProps, value: JsonValue, path: string, errs: FieldError[]): void {
  if (value === null) {
    if (schema.nullable === true) return;
    const expected = expectedType(schema);
    if (expected)
      errs.push(typeInvalid(path, 'null', `${subject(path)} must be of type ${expected}: "null"`));
    return;
  }
  const expected = expectedType(schema);
  if (expected && !expected.split(',').some((t) => typeMatches(t, value))) {
    const actual = jsonTypeName(value);
    errs.push(
      typeInvalid(path, actual, `${subject(path)} must be of type ${expected}: ${JSON.stringify(actual)}`),
    );
    return;
  }
  if (typeof value === 'string') validateString(schema, value, path, errs);
  if (typeof value === 'number') validateNumber(schema, value, path, errs);
  if (Array.isArray(value)) validateArray(schema, value, path, errs);
  if (isJsonObject(value)) validateObject(schema, value, path, errs);
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => deepEqual(e, value))) {
    errs.push(notSupported(path, value, schema.enum));
  }
  validateJunctors(schema, value, path, errs);
}

function expectedType(schema: JSONSchemaProps): string | undefined {
  if (schema['x-kubernetes-int-or-string'] === true) return 'integer,string';
  return typeof schema.type === 'string' && schema.type !== '' ? schema.type : undefined;
}

function validateString(schema: JSONSchemaProps, value: string, path: string, errs: FieldError[]): void {
  const length = [...value].length;
  if (typeof schema.maxLength === 'number' && length > schema.maxLength)
    errs.push(tooLong(path, schema.maxLength));
  if (typeof schema.minLength === 'number' && length < schema.minLength) {
    errs.push(invalid(path, value, `${subject(path)} should be at least ${schema.minLength} chars long`));
  }
  if (typeof schema.pattern === 'string') {
    const re = cachedGoRegexp(schema.pattern);
    if (re && !re.test(value))
      errs.push(invalid(path, value, `${subject(path)} should match '${schema.pattern}'`));
  }
  const format = typeof schema.format === 'string' ? FORMATS[schema.format] : undefined;
  if (format && !format(value)) {
    errs.push(
      invalid(path, value, `${subject(path)} must be of type ${schema.format}: ${JSON.stringify(value)}`),
    );
  }
}

function validateNumber(schema: JSONSchemaProps, value: number, path: string, errs: FieldError[]): void {
  const s = subject(path);
  if (typeof schema.maximum === 'number') {
    if (schema.exclusiveMaximum === true ? value >= schema.maximum : value > schema.maximum) {
      const rel = schema.exclusiveMaximum === true ? 'less than' : 'less than or equal to';
      errs.push(invalid(path, value, `${s} should be ${rel} ${schema.maximum}`));
    }
  }
  if (typeof schema.minimum === 'number') {
    if (schema.exclusiveMinimum === true ? value <= schema.minimum : value < schema.minimum) {
      const rel = schema.exclusiveMinimum === true ? 'greater than' : 'greater than or equal to';
      errs.push(invalid(path, value, `${s} should be ${rel} ${schema.minimum}`));
    }
  }
  if (typeof schema.multipleOf === 'number' && schema.multipleOf > 0) {
    const q = value / schema.multipleOf;
    if (Math.abs(q - Math.round(q)) > 1e-9) {
      errs.push(invalid(path, value, `${s} should be a multiple of ${schema.multipleOf}`));
    }
  }
}

function validateArray(schema: JSONSchemaProps, value: JsonValue[], path: string, errs: FieldError[]): void {
  if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) {
    errs.push(tooMany(path, value.length, schema.maxItems));
  }
  if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
    errs.push(invalid(path, value.length, `${subject(path)} should have at least ${schema.minItems} items`));
  }
  const listType = schema['x-kubernetes-list-type'];
  if (schema.uniqueItems === true || listType === 'set') {
    value.forEach((item, i) => {
      if (value.slice(0, i).some((prev) => deepEqual(prev, item)))
        errs.push(duplicate(indexPath(path, i), item));
    });
  }
  if (listType === 'map' && Array.isArray(schema['x-kubernetes-list-map-keys'])) {
    const keys = schema['x-kubernetes-list-map-keys'];
    const seen: JsonObject[] = [];
    value.forEach((item, i) => {
      if (!isJsonObject(item)) return;
      const id: JsonObject = {};
      for (const k of keys) if (item[k] !== undefined) id[k] = item[k] as JsonValue;
      if (seen.some((s) => deepEqual(s, id))) errs.push(duplicate(indexPath(path, i), id));
      seen.push(id);
    });
  }
  const items = itemsSchema(schema);
  if (items) {
    value.forEach((item, i) => {
      validateNode(items, item, indexPath(path, i), errs);
    });
  }
}

function validateObject(schema: JSONSchemaProps, value: JsonObject, path: string, errs: FieldError[]): void {
  const count = Object.keys(value).length;
  if (typeof schema.maxProperties === 'number' && count > schema.maxProperties) {
    errs.push(tooMany(path, count, schema.maxProperties));
  }
  if (typeof schema.minProperties === 'number' && count < schema.minProperties) {
    errs.push(
      invalid(path, count, `${subject(path)} should have at least ${schema.minProperties} properties`),
    );
  }
  if (Array.isArray(schema.required)) {
    for (const key of schema.required) {
      if (typeof key === 'string' && !Object.hasOwn(value, key)) errs.push(required(childPath(path, key)));
    }
  }
  if (
    schema['x-kubernetes-embedded-resource'] === true &&
    schema['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    for (const key of ['apiVersion', 'kind']) {
      if (typeof value[key] !== 'string' || value[key] === '') {
        errs.push(required(childPath(path, key), 'must not be empty'));
      }
    }
  }
  const additional = additionalSchema(schema);
  for (const [key, child] of Object.entries(value)) {
    const prop = propertySchema(schema, key) ?? additional;
    if (prop) {
      validateNode(prop, child, childPath(path, key), errs);
    } else if (schema.additionalProperties === false) {
      // kube-openapi reports this on the object, with the key as the bad value.
      errs.push(invalid(path, key, `${childPath(path, key)} in body is a forbidden property`));
    }
  }
}

function validateJunctors(schema: JSONSchemaProps, value: JsonValue, path: string, errs: FieldError[]): void {
  const s = subject(path);
  const passes = (sub: JSONSchemaProps) => validateValue(sub, value, path).length === 0;
  if (Array.isArray(schema.allOf)) {
    for (const sub of schema.allOf) validateNode(sub, value, path, errs);
  }
  if (Array.isArray(schema.anyOf) && schema.anyOf.length > 0 && !schema.anyOf.some(passes)) {
    for (const sub of schema.anyOf) validateNode(sub, value, path, errs);
    errs.push(invalid(path, value, `${s} must validate at least one schema (anyOf)`));
  }
  if (Array.isArray(schema.oneOf) && schema.oneOf.length > 0) {
    const matched = schema.oneOf.filter(passes).length;
    if (matched !== 1) errs.push(invalid(path, value, `${s} must validate one and only one schema (oneOf)`));
  }
  if (isJsonObject(schema.not as JsonValue | undefined) && passes(schema.not as JSONSchemaProps)) {
    errs.push(invalid(path, value, `${s} must not validate the schema (not)`));
  }
}
