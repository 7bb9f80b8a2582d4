/**
 * Structural defaulting, following apiextensions-apiserver's algorithm: a property's `default` fills it when it
 * is absent, or null while not nullable; then defaulting recurses into every present value, so defaults nested
 * inside a defaulted object, inside array items and inside additionalProperties maps apply too.
 */
import { deepClone, isJsonObject, type JsonValue } from '../json/json-value.js';
import { additionalSchema, itemsSchema, type JSONSchemaProps, propertySchema } from './schema-types.js';

export function applyDefaults(schema: JSONSchemaProps, value: JsonValue): JsonValue {
  const copy = deepClone(value);
  fill(copy, schema);
  return copy;
}

function isNonNullableNull(value: JsonValue | undefined, schema: JSONSchemaProps): boolean {
  return value === null && schema.nullable !== true;
}

function fill(value: JsonValue, schema: JSONSchemaProps | undefined): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    const items = itemsSchema(schema);
    if (!items) return;
    value.forEach((item, i) => {
      if (items.default !== undefined && isNonNullableNull(item, items)) value[i] = deepClone(items.default);
      fill(value[i] as JsonValue, items);
    });
    return;
  }
  if (!isJsonObject(value)) return;
  const props = isJsonObject(schema.properties as JsonValue | undefined)
    ? Object.keys(schema.properties ?? {})
    : [];
  for (const key of props) {
    const prop = propertySchema(schema, key);
    if (!prop || prop.default === undefined) continue;
    if (!Object.hasOwn(value, key) || isNonNullableNull(value[key], prop))
      value[key] = deepClone(prop.default);
  }
  const additional = additionalSchema(schema);
  for (const key of Object.keys(value)) {
    const prop = propertySchema(schema, key);
    if (prop) {
      fill(value[key] as JsonValue, prop);
    } else if (additional) {
      if (additional.default !== undefined && isNonNullableNull(value[key], additional)) {
        value[key] = deepClone(additional.default);
      }
      fill(value[key] as JsonValue, additional);
    }
  }
}
