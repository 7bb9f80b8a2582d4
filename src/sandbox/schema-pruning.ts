/**
 * Pruning as the apiextensions-apiserver does it: fields the structural schema does not specify are dropped,
 * except under x-kubernetes-preserve-unknown-fields (or additionalProperties: true), and apiVersion/kind/metadata
 * of embedded resources and of the resource root. The returned paths feed fieldValidation Strict/Warn.
 */

import { deepClone, isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import { childPath, indexPath } from './field-errors.js';
import {
  additionalSchema,
  itemsSchema,
  type JSONSchemaProps,
  preservesUnknown,
  propertySchema,
} from './schema-types.js';

export interface PruneOptions {
  /** Treat the value as a whole resource: its apiVersion, kind and metadata are never pruned. Default true. */
  resourceRoot?: boolean;
}

const RESOURCE_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

export function pruneUnknownFields(
  schema: JSONSchemaProps,
  value: JsonValue,
  options: PruneOptions = {},
): { value: JsonValue; pruned: string[] } {
  const copy = deepClone(value);
  const pruned: string[] = [];
  prune(copy, schema, '', options.resourceRoot ?? true, pruned);
  return { value: copy, pruned };
}

function prune(
  value: JsonValue,
  schema: JSONSchemaProps | undefined,
  path: string,
  isResource: boolean,
  pruned: string[],
): void {
  if (Array.isArray(value)) {
    // A preserve-unknown-fields array without items keeps its elements; otherwise items prune each element.
    const items = schema ? itemsSchema(schema) : undefined;
    if (schema !== undefined && preservesUnknown(schema) && items === undefined) return;
    value.forEach((item, i) => {
      prune(item, items, indexPath(path, i), items?.['x-kubernetes-embedded-resource'] === true, pruned);
    });
    return;
  }
  if (!isJsonObject(value)) return;
  const keepUnknown = schema !== undefined && preservesUnknown(schema);
  const additional = schema ? additionalSchema(schema) : undefined;
  // `additionalProperties: true` keeps every key but, having no schema, prunes the values' own fields.
  const anyKey = schema?.additionalProperties === true;
  for (const key of Object.keys(value)) {
    const child = value[key] as JsonValue;
    const keyPath = childPath(path, key);
    // apiVersion, kind and metadata of a resource are left alone; ObjectMeta is coerced by the caller.
    if (isResource && RESOURCE_FIELDS.has(key)) continue;
    const childSchema = (schema ? propertySchema(schema, key) : undefined) ?? additional;
    if (childSchema) {
      prune(child, childSchema, keyPath, childSchema['x-kubernetes-embedded-resource'] === true, pruned);
    } else if (anyKey) {
      prune(child, undefined, keyPath, false, pruned);
    } else if (!keepUnknown) {
      delete value[key];
      pruned.push(keyPath);
    }
  }
}

/**
 * Drops `null` values of non-nullable fields that have no default, as the apiserver does after defaulting.
 * Nulls inside arrays are left for validation to report.
 */
export function pruneNonNullableNulls(schema: JSONSchemaProps, value: JsonValue): JsonValue {
  const copy = deepClone(value);
  dropNulls(copy, schema);
  return copy;
}

function dropNulls(value: JsonValue, schema: JSONSchemaProps | undefined): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    const items = itemsSchema(schema);
    for (const item of value) dropNulls(item, items);
    return;
  }
  if (!isJsonObject(value)) return;
  const additional = additionalSchema(schema);
  for (const key of Object.keys(value)) {
    const child = (value as JsonObject)[key] as JsonValue;
    const childSchema = propertySchema(schema, key) ?? additional;
    if (!childSchema) continue;
    if (child === null && childSchema.nullable !== true && childSchema.default === undefined) {
      delete value[key];
      continue;
    }
    dropNulls(child, childSchema);
  }
}
