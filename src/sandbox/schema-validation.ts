/**
 * CRD schema processing for custom resources: the pipeline the apiserver runs on create and update
 * (prune unknown fields → apply defaults → drop non-nullable nulls → validate → CEL rules), plus the pieces on
 * their own.
 */

import { deepClone, isJsonObject, type JsonObject } from '../json/json-value.js';
import { type FieldError, type FieldErrorType, invalid } from './field-errors.js';
import { hasRules, validateCelRules } from './schema-cel-validation.js';
import { applyDefaults } from './schema-defaulting.js';
import { pruneNonNullableNulls, pruneUnknownFields } from './schema-pruning.js';
import type { JSONSchemaProps } from './schema-types.js';
import { validateValue } from './schema-value-validation.js';

export type { FieldError, FieldErrorType } from './field-errors.js';
export { applyDefaults } from './schema-defaulting.js';
export { type PruneOptions, pruneNonNullableNulls, pruneUnknownFields } from './schema-pruning.js';
export { validateStructuralSchema } from './schema-structural.js';
export type { JSONSchemaProps } from './schema-types.js';
export { validateValue } from './schema-value-validation.js';

const BLOCKS_CEL = new Set<FieldErrorType>([
  'FieldValueNotSupported',
  'FieldValueRequired',
  'FieldValueTooLong',
  'FieldValueTooMany',
  'FieldValueTypeInvalid',
]);
const CEL_NOT_CHECKED =
  'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';

export type FieldValidationMode = 'Strict' | 'Warn' | 'Ignore';

export interface ProcessResult {
  object: JsonObject;
  errors: FieldError[];
  warnings: string[];
  unknownFields: string[];
}

/**
 * Runs a custom resource through the apiserver's schema pipeline. In Strict mode unknown fields stop the
 * request before defaulting and validation, as the apiserver's strict decoder does: it answers
 * 400 BadRequest `strict decoding error: unknown field "spec.foo", unknown field "spec.bar"` (the `errors`
 * messages joined by ", "), not 422. metadata is left to the caller.
 */
export function processCustomResource(
  schema: JSONSchemaProps,
  obj: JsonObject,
  mode: FieldValidationMode,
  old?: JsonObject,
): ProcessResult {
  const { value, pruned } = pruneUnknownFields(schema, obj, { resourceRoot: true });
  const unknownMessages = pruned.map((p) => `unknown field ${JSON.stringify(p)}`);
  if (mode === 'Strict' && pruned.length > 0) {
    const errors = pruned.map((p, i) => {
      const msg = unknownMessages[i] ?? '';
      return { ...invalid(p, null, msg), detail: msg, message: msg };
    });
    return { object: value as JsonObject, errors, warnings: [], unknownFields: pruned };
  }
  const defaulted = pruneNonNullableNulls(schema, applyDefaults(schema, value));
  const object = isJsonObject(defaulted) ? defaulted : deepClone(obj);
  const errors = [
    ...validateValue(schemaWithoutMetadata(schema), withoutMetadata(object), ''),
    ...validateMetadataNames(schema, object),
  ];
  const warnings = mode === 'Warn' ? unknownMessages : [];
  // CEL rules see the defaulted object, and only one that passed the checks their types rely on.
  if (hasRules(schema) && errors.some((e) => BLOCKS_CEL.has(e.type))) {
    errors.push(invalid('<nil>', 'null', CEL_NOT_CHECKED));
  } else if (hasRules(schema)) {
    const cel = validateCelRules(schema, object, old);
    errors.push(...cel.errors);
    warnings.push(...cel.warnings);
  }
  return { object, errors, warnings, unknownFields: pruned };
}

/**
 * ObjectMeta has its own validation (the caller's job); the schema may only add rules for metadata.name and
 * metadata.generateName, which the apiserver checks against the schema as well.
 */
function validateMetadataNames(schema: JSONSchemaProps, object: JsonObject): FieldError[] {
  const props = schema.properties?.metadata?.properties;
  const metadata = object.metadata;
  if (!props || !isJsonObject(metadata)) return [];
  return (['name', 'generateName'] as const).flatMap((key) => {
    const sub = props[key];
    const value = metadata[key];
    return sub && value !== undefined ? validateValue(sub, value, `metadata.${key}`) : [];
  });
}

function withoutMetadata(obj: JsonObject): JsonObject {
  const { metadata: _metadata, ...rest } = obj;
  return rest;
}

function schemaWithoutMetadata(schema: JSONSchemaProps): JSONSchemaProps {
  const { metadata: _metadata, ...properties } = schema.properties ?? {};
  const required = Array.isArray(schema.required)
    ? schema.required.filter((r) => r !== 'metadata')
    : undefined;
  const out: JSONSchemaProps = { ...schema, properties };
  if (required) out.required = required;
  else delete out.required;
  if (schema.properties === undefined) delete out.properties;
  return out;
}
