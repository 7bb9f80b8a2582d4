import { isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import { formatAge } from './jsonpath.js';
import type { TableColumn } from './resource-type.js';
import { formatLabelSelector, labelSelectorFromObject } from './selectors.js';

/*
 * Field access and cell formatting shared by the built-in printers. Objects come from storage, so every
 * field may be missing or of the wrong type: readers fall back to Go's zero values, as the typed apiserver
 * would see them.
 */

export function obj(value: JsonValue | undefined): JsonObject {
  return isJsonObject(value) ? value : {};
}
export function arr(value: JsonValue | undefined): JsonValue[] {
  return Array.isArray(value) ? value : [];
}
export function objects(value: JsonValue | undefined): JsonObject[] {
  return arr(value).filter(isJsonObject);
}
export function str(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : '';
}
export function int(value: JsonValue | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : 0;
}
/** A metav1.Time / MicroTime; undefined stands for the zero time (absent or unparseable). */
export function time(value: JsonValue | undefined): Date | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** translateTimestampSince: `<unknown>` for the zero time, else duration.HumanDuration. */
export function since(value: JsonValue | undefined, now: Date): string {
  const at = time(value);
  return at ? formatAge(at, now) : '<unknown>';
}

/** labels.FormatLabels: `k=v` pairs sorted by key, `<none>` when empty. */
export function formatLabels(value: JsonValue | undefined): string {
  const labels = obj(value);
  const text = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${str(labels[k])}`)
    .join(',');
  return text === '' ? '<none>' : text;
}

/** labels.Selector.String() of a metav1.LabelSelector: requirements sorted by key; undefined when invalid. */
export function selectorString(value: JsonValue | undefined): string | undefined {
  try {
    const selector = labelSelectorFromObject(value);
    const sorted = [...selector.requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return formatLabelSelector({ requirements: sorted });
  } catch {
    return undefined;
  }
}

/** metav1.FormatLabelSelector: `<error>` when invalid, `<none>` when it selects everything (or nothing). */
export function formatSelector(value: JsonValue | undefined): string {
  const text = selectorString(value);
  if (text === undefined) return '<error>';
  return text === '' ? '<none>' : text;
}

/** layoutContainerCells: container names and images, each comma-joined in spec order. */
export function containerCells(podSpec: JsonValue | undefined): { names: string; images: string } {
  const containers = objects(obj(podSpec).containers);
  return {
    names: containers.map((c) => str(c.name)).join(','),
    images: containers.map((c) => str(c.image)).join(','),
  };
}

type Cell = TableColumn['cell'];

/** Column options for the priority-1 columns kubectl shows only with `-o wide`. */
export const WIDE = { priority: 1 } as const;

/** A column definition; `name` and `priority` follow the printers' TableColumnDefinition. */
export function column(
  name: string,
  type: string,
  description: string,
  cell: Cell,
  options: { priority?: number; format?: string } = {},
): TableColumn {
  return { name, type, format: options.format ?? '', description, priority: options.priority ?? 0, cell };
}

export const NAME_DESCRIPTION = 'Name must be unique within a namespace.';
export const AGE_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created.';

export const nameColumn: TableColumn = column(
  'Name',
  'string',
  NAME_DESCRIPTION,
  (o) => str(obj(o.metadata).name),
  { format: 'name' },
);

export const ageColumn: TableColumn = column('Age', 'string', AGE_DESCRIPTION, (o, now) =>
  since(obj(o.metadata).creationTimestamp, now),
);

/** Go's time.RFC3339 of the UTC time, whole seconds; the zero time when absent. */
function rfc3339(value: JsonValue | undefined): string {
  const at = time(value);
  return at ? `${at.toISOString().slice(0, 19)}Z` : '0001-01-01T00:00:00Z';
}

/** rest.DefaultTableConvertor, used for kinds without a printer (Role, ClusterRole, CRD, ...). */
export const defaultColumns: TableColumn[] = [
  nameColumn,
  column('Created At', 'date', AGE_DESCRIPTION, (o) => rfc3339(obj(o.metadata).creationTimestamp)),
];

/** The wide Containers and Images columns of the workload printers, from `spec.template.spec`. */
export function templateContainerColumns(): TableColumn[] {
  const template = (o: JsonObject) => obj(obj(o.spec).template).spec;
  return [
    column(
      'Containers',
      'string',
      'Names of each container in the template.',
      (o) => containerCells(template(o)).names,
      WIDE,
    ),
    column(
      'Images',
      'string',
      'Images referenced by each container in the template.',
      (o) => containerCells(template(o)).images,
      WIDE,
    ),
  ];
}
