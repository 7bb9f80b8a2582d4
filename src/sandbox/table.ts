import type { JsonObject } from '../json/json-value.js';
import { printerColumnsForVersion } from './crd-resources.js';
import { formatAge, printerColumnCell } from './jsonpath.js';
import type { ResourceType, TableColumn } from './resource-type.js';
import { ageColumn, defaultColumns, nameColumn } from './table-cells.js';

/** Does the client ask for server-side printing (kubectl get)? */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => /;\s*as=Table/.test(part) && /g=meta\.k8s\.io/.test(part));
}

function crdColumns(type: ResourceType, version: string): TableColumn[] {
  const custom = printerColumnsForVersion(type, version);
  // Like the apiserver: with no printer columns a CRD gets Name and Age.
  if (custom.length === 0) return [nameColumn, ageColumn];
  const columns = custom.map(
    (c): TableColumn => ({
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
    }),
  );
  return [nameColumn, ...columns];
}

function columnsFor(type: ResourceType, version: string): TableColumn[] {
  if (type.crd) return crdColumns(type, version);
  return type.tableColumns ?? defaultColumns;
}

function partialMetadata(obj: JsonObject): JsonObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata ?? {} };
}

/** A meta.k8s.io/v1 Table of the objects (served shape), the shape kubectl prints from. */
export function toTable(
  type: ResourceType,
  version: string,
  objects: JsonObject[],
  listMeta: JsonObject,
  options: { includeObject?: string; omitHeaders?: boolean; now?: Date },
): JsonObject {
  const now = options.now ?? new Date();
  const columns = columnsFor(type, version);
  // Built-in printers read the storage shape, as the apiserver prints internal objects whatever the version.
  const codec = type.crd ? undefined : type.codecs?.[version];
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
    rows: objects.map((o) => {
      const printed = codec ? codec.toStorage(o) : o;
      return {
        cells: columns.map((c) => c.cell(printed, now)),
        object:
          options.includeObject === 'Object'
            ? o
            : options.includeObject === 'None'
              ? null
              : partialMetadata(o),
      };
    }),
  };
}
