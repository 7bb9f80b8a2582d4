/** The OpenAPI v3 subset a CRD's openAPIV3Schema may use (apiextensions.k8s.io/v1 JSONSchemaProps). */
import { isJsonObject, type JsonValue } from '../json/json-value.js';

export interface JSONSchemaProps {
  type?: string;
  format?: string;
  description?: string;
  title?: string;
  properties?: Record<string, JSONSchemaProps>;
  required?: string[];
  items?: JSONSchemaProps;
  additionalProperties?: boolean | JSONSchemaProps;
  enum?: JsonValue[];
  default?: JsonValue;
  example?: JsonValue;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  nullable?: boolean;
  anyOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  allOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  /** CEL rules: compiled when the CRD is admitted, evaluated on custom resources (schema-cel-validation.ts). */
  'x-kubernetes-validations'?: JsonValue[];
}

/** The schema for a property, or undefined; tolerant of malformed `properties` so bad CRDs never crash us. */
export function propertySchema(schema: JSONSchemaProps, key: string): JSONSchemaProps | undefined {
  const props = schema.properties;
  if (!isJsonObject(props as JsonValue | undefined) || !Object.hasOwn(props as object, key)) return undefined;
  const prop = (props as Record<string, JSONSchemaProps>)[key];
  return isJsonObject(prop as JsonValue | undefined) ? prop : undefined;
}

/** The schema for map values when additionalProperties is a schema. */
export function additionalSchema(schema: JSONSchemaProps): JSONSchemaProps | undefined {
  const ap = schema.additionalProperties;
  return isJsonObject(ap as JsonValue | undefined) ? (ap as JSONSchemaProps) : undefined;
}

export function itemsSchema(schema: JSONSchemaProps): JSONSchemaProps | undefined {
  return isJsonObject(schema.items as JsonValue | undefined) ? schema.items : undefined;
}

export function preservesUnknown(schema: JSONSchemaProps): boolean {
  return schema['x-kubernetes-preserve-unknown-fields'] === true;
}
