import { isJsonObject, type JsonObject } from '../json/json-value.js';
import { ApiError, invalid, type StatusCause } from './api-error.js';
import { schemaForVersion } from './crd-resources.js';
import type { ResourceType } from './resource-type.js';
import { processCustomResource } from './schema-validation.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN_HELP =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_HELP =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

function validateMetadata(type: ResourceType, metadata: JsonObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = metadata.name;
  if (typeof name !== 'string' || name === '') {
    causes.push({
      field: 'metadata.name',
      reason: 'FieldValueRequired',
      message: 'Required value: name or generateName is required',
    });
  } else {
    const labelOnly = type.plural === 'namespaces';
    const ok = labelOnly
      ? DNS_LABEL.test(name) && name.length <= 63
      : DNS_SUBDOMAIN.test(name) && name.length <= 253;
    if (!ok) {
      causes.push({
        field: 'metadata.name',
        reason: 'FieldValueInvalid',
        message: `Invalid value: "${name}": ${labelOnly ? LABEL_HELP : SUBDOMAIN_HELP}`,
      });
    }
  }
  for (const field of ['labels', 'annotations'] as const) {
    const map = metadata[field];
    if (map === undefined || map === null) continue;
    if (!isJsonObject(map) || Object.values(map).some((v) => typeof v !== 'string')) {
      causes.push({
        field: `metadata.${field}`,
        reason: 'FieldValueTypeInvalid',
        message: 'Invalid value: must be a map of strings',
      });
    }
  }
  return causes;
}

export interface AdmissionResult {
  object: JsonObject;
  warnings: string[];
}

/**
 * What the apiserver does to an object before it is stored: for custom resources prune unknown fields
 * (or reject them under fieldValidation=Strict), apply schema defaults and validate against the schema;
 * for built-ins run the kind's defaulting and validation. Invalid objects raise 422 naming every field.
 * `old` is the stored object on update: CEL transition rules compare with it.
 */
export function admit(
  type: ResourceType,
  version: string,
  input: JsonObject,
  fieldValidation: FieldValidation,
  old?: JsonObject,
): AdmissionResult {
  let object = input;
  const warnings: string[] = [];
  const causes: StatusCause[] = [];
  const name = String((isJsonObject(object.metadata) && object.metadata.name) || '');
  if (type.crd) {
    const schema = schemaForVersion(type, version);
    if (schema) {
      const result = processCustomResource(schema, object, fieldValidation, old);
      if (result.unknownFields.length > 0 && fieldValidation === 'Strict') {
        throw new ApiError(
          400,
          'BadRequest',
          `${type.kind} in version "${version}" cannot be handled as a ${type.kind}: strict decoding error: ${result.unknownFields
            .map((f) => `unknown field "${f}"`)
            .join(', ')}`,
        );
      }
      object = result.object;
      warnings.push(...result.warnings);
      causes.push(...result.errors.map((e) => ({ field: e.field, reason: e.type, message: e.detail })));
    }
  } else {
    type.defaulter?.(object);
    causes.push(...(type.validator?.(object) ?? []));
  }
  causes.push(...validateMetadata(type, isJsonObject(object.metadata) ? object.metadata : {}));
  if (causes.length > 0) throw invalid(type.kind, type.group, name, causes);
  return { object, warnings };
}
