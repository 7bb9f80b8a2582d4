import { isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import type { StatusCause } from './api-error.js';
import { validatePrinterColumn, validateScaleSubresource } from './crd-version-rules.js';
import type { PrinterColumn, ResourceType, ScaleSubresource } from './resource-type.js';
import { resourceKey } from './resource-type.js';
import { type JSONSchemaProps, validateStructuralSchema } from './schema-validation.js';

const obj = (v: JsonValue | undefined): JsonObject => (isJsonObject(v) ? v : {});
const str = (v: JsonValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: JsonValue | undefined): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function cause(field: string, reason: string, message: string): StatusCause {
  return { field, reason, message };
}

/** The checks apiextensions-apiserver makes before it accepts a CustomResourceDefinition. */
export function validateCrd(crd: JsonObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = obj(crd.spec);
  const names = obj(spec.names);
  const group = str(spec.group);
  const plural = str(names.plural);
  if (!group) causes.push(cause('spec.group', 'FieldValueRequired', 'Required value'));
  else if (!group.includes('.'))
    causes.push(
      cause(
        'spec.group',
        'FieldValueInvalid',
        `Invalid value: "${group}": should be a domain with at least one dot`,
      ),
    );
  if (!plural) causes.push(cause('spec.names.plural', 'FieldValueRequired', 'Required value'));
  else if (!DNS_LABEL.test(plural))
    causes.push(
      cause(
        'spec.names.plural',
        'FieldValueInvalid',
        `Invalid value: "${plural}": a lowercase RFC 1123 label`,
      ),
    );
  if (!str(names.kind)) causes.push(cause('spec.names.kind', 'FieldValueRequired', 'Required value'));
  const name = str(obj(crd.metadata).name);
  if (group && plural && name !== `${plural}.${group}`) {
    causes.push(
      cause(
        'metadata.name',
        'FieldValueInvalid',
        `Invalid value: "${name}": must be spec.names.plural+"."+spec.group`,
      ),
    );
  }
  const scope = str(spec.scope);
  if (scope !== 'Namespaced' && scope !== 'Cluster') {
    causes.push(
      cause(
        'spec.scope',
        'FieldValueNotSupported',
        `Unsupported value: ${JSON.stringify(scope ?? '')}: supported values: "Cluster", "Namespaced"`,
      ),
    );
  }
  const versions = Array.isArray(spec.versions) ? spec.versions.map(obj) : [];
  if (versions.length === 0)
    causes.push(
      cause(
        'spec.versions',
        'FieldValueInvalid',
        'Invalid value: null: must have exactly one version marked as storage version',
      ),
    );
  const storage = versions.filter((v) => v.storage === true);
  if (versions.length > 0 && storage.length !== 1) {
    causes.push(
      cause(
        'spec.versions',
        'FieldValueInvalid',
        `Invalid value: ${storage.length}: must have exactly one version marked as storage version`,
      ),
    );
  }
  versions.forEach((v, i) => {
    const path = `spec.versions[${i}]`;
    if (!str(v.name)) causes.push(cause(`${path}.name`, 'FieldValueRequired', 'Required value'));
    const schema = obj(v.schema).openAPIV3Schema;
    if (!isJsonObject(schema)) {
      causes.push(
        cause(`${path}.schema.openAPIV3Schema`, 'FieldValueRequired', 'Required value: schemas are required'),
      );
      return;
    }
    const errors = [
      ...validateStructuralSchema(schema as JSONSchemaProps, `${path}.schema.openAPIV3Schema`),
      ...(Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns : []).flatMap((c, j) =>
        validatePrinterColumn(c, `${path}.additionalPrinterColumns[${j}]`),
      ),
      ...(isJsonObject(v.subresources) && v.subresources.scale !== undefined
        ? validateScaleSubresource(v.subresources.scale, `${path}.subresources.scale`)
        : []),
    ];
    for (const e of errors) causes.push(cause(e.field, e.type, e.detail));
  });
  return causes;
}

function storageVersion(spec: JsonObject): JsonObject {
  const versions = Array.isArray(spec.versions) ? spec.versions.map(obj) : [];
  return versions.find((v) => v.storage === true) ?? versions[0] ?? {};
}

/** The status an established CRD reports: kubectl and controllers wait for Established=True. */
export function establishedStatus(crd: JsonObject, now: string): JsonObject {
  const spec = obj(crd.spec);
  const condition = (type: string, reason: string, message: string): JsonObject => ({
    type,
    status: 'True',
    lastTransitionTime: now,
    reason,
    message,
  });
  return {
    conditions: [
      condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
      condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
    ],
    acceptedNames: obj(spec.names),
    storedVersions: [str(storageVersion(spec).name) ?? ''],
  };
}

/** Turns an accepted CRD into the resource the API serves (served versions, storage version preferred). */
export function resourceTypeFromCrd(crd: JsonObject): ResourceType {
  const spec = obj(crd.spec);
  const names = obj(spec.names);
  const group = str(spec.group) ?? '';
  const plural = str(names.plural) ?? '';
  const kind = str(names.kind) ?? '';
  const storage = storageVersion(spec);
  const served = (Array.isArray(spec.versions) ? spec.versions.map(obj) : []).filter(
    (v) => v.served !== false,
  );
  const ordered = [storage, ...served.filter((v) => v !== storage)].filter((v) => served.includes(v));
  const subresources = obj(storage.subresources);
  const scale = isJsonObject(subresources.scale) ? subresources.scale : undefined;
  return {
    group,
    versions: ordered.map((v) => str(v.name) ?? ''),
    kind,
    listKind: str(names.listKind) ?? `${kind}List`,
    plural,
    singular: str(names.singular) ?? kind.toLowerCase(),
    namespaced: spec.scope === 'Namespaced',
    shortNames: strings(names.shortNames),
    categories: strings(names.categories),
    statusSubresource: isJsonObject(subresources.status),
    scale: scale
      ? ({
          specReplicasPath: str(scale.specReplicasPath) ?? '.spec.replicas',
          statusReplicasPath: str(scale.statusReplicasPath) ?? '.status.replicas',
          labelSelectorPath: str(scale.labelSelectorPath),
        } satisfies ScaleSubresource)
      : undefined,
    selectableFields: [],
    storageKey: resourceKey(group, plural),
    allowUnconditionalUpdate: false,
    supportsStrategicMerge: false,
    crd,
  };
}

function versionEntry(type: ResourceType, version: string): JsonObject {
  const versions = Array.isArray(obj(type.crd?.spec).versions)
    ? (obj(type.crd?.spec).versions as JsonValue[])
    : [];
  return versions.map(obj).find((v) => v.name === version) ?? {};
}

export function schemaForVersion(type: ResourceType, version: string): JSONSchemaProps | undefined {
  const schema = obj(versionEntry(type, version).schema).openAPIV3Schema;
  return isJsonObject(schema) ? (schema as JSONSchemaProps) : undefined;
}

export function printerColumnsForVersion(type: ResourceType, version: string): PrinterColumn[] {
  const columns = versionEntry(type, version).additionalPrinterColumns;
  if (!Array.isArray(columns)) return [];
  return columns.map(obj).map((c) => ({
    name: str(c.name) ?? '',
    type: str(c.type) ?? 'string',
    format: str(c.format),
    description: str(c.description),
    priority: typeof c.priority === 'number' ? c.priority : 0,
    jsonPath: str(c.jsonPath) ?? '',
  }));
}
