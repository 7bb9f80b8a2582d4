import { isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import { printerColumnsForVersion } from './crd-resources.js';
import { formatAge, printerColumnCell } from './jsonpath.js';
import type { ResourceType } from './resource-type.js';

/** Does the client ask for server-side printing (kubectl get)? */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => /;\s*as=Table/.test(part) && /g=meta\.k8s\.io/.test(part));
}

interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
  cell(obj: JsonObject, now: Date): JsonValue;
}

function created(obj: JsonObject): Date | undefined {
  const m = isJsonObject(obj.metadata) ? obj.metadata : {};
  return typeof m.creationTimestamp === 'string' ? new Date(m.creationTimestamp) : undefined;
}

function columnsFor(type: ResourceType, version: string): Column[] {
  const name: Column = {
    name: 'Name',
    type: 'string',
    format: 'name',
    description: 'Name must be unique within a namespace.',
    priority: 0,
    cell: (o) => String((isJsonObject(o.metadata) && o.metadata.name) || ''),
  };
  const age: Column = {
    name: 'Age',
    type: 'string',
    format: '',
    description:
      'CreationTimestamp is a timestamp representing the server time when this object was created.',
    priority: 0,
    cell: (o, now) => {
      const at = created(o);
      return at ? formatAge(at, now) : '<unknown>';
    },
  };
  if (type.crd) {
    const custom = printerColumnsForVersion(type, version);
    const columns: Column[] = custom.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.description ?? '',
      priority: c.priority ?? 0,
      cell: (o, now) => {
        const value = printerColumnCell(o, c.jsonPath, c.type);
        // The apiserver renders date columns as ages (ConvertToHumanReadableDateType).
        return c.type === 'date' && typeof value === 'string' && value !== '<invalid>'
          ? formatAge(new Date(value), now)
          : value;
      },
    }));
    // Like the apiserver: with no printer columns a CRD gets Name and Age.
    return [name, ...(custom.length > 0 ? columns : [age])];
  }
  const extra = (type.tableColumns ?? []).map(
    (c): Column => ({
      name: c.name,
      type: c.type,
      format: '',
      description: c.description,
      priority: 0,
      cell: c.cell,
    }),
  );
  return [name, ...extra, age];
}

function partialMetadata(obj: JsonObject): JsonObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata ?? {} };
}

/** A meta.k8s.io/v1 Table of the objects, the shape kubectl prints from. */
export function toTable(
  type: ResourceType,
  version: string,
  objects: JsonObject[],
  listMeta: JsonObject,
  options: { includeObject?: string; omitHeaders?: boolean; now?: Date },
): JsonObject {
  const now = options.now ?? new Date();
  const columns = columnsFor(type, version);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: options.omitHeaders
      ? null
      : columns.map((c) => ({
          name: c.name,
          type: c.type,
          format: c.format,
          description: c.description,
          priority: c.priority,
        })),
    rows: objects.map((o) => ({
      cells: columns.map((c) => c.cell(o, now)),
      object:
        options.includeObject === 'Object' ? o : options.includeObject === 'None' ? null : partialMetadata(o),
    })),
  };
}
