import type { JsonObject } from '../json/json-value.js';
import type { TableColumn } from './resource-type.js';
import { column, int, NAME_DESCRIPTION, obj, since, str, time, WIDE } from './table-cells.js';

/*
 * printEvent, on the core/v1 (storage) shape; events.k8s.io/v1 objects are printed from the same storage, as
 * the apiserver does. Event timestamps come in three generations: lastTimestamp/firstTimestamp (core),
 * eventTime (events.k8s.io, a MicroTime) and series.lastObservedTime for repeated events.
 */

function firstSeen(o: JsonObject, now: Date): string {
  return time(o.firstTimestamp) ? since(o.firstTimestamp, now) : since(o.eventTime, now);
}

function lastSeen(o: JsonObject, now: Date): string {
  if (o.series !== undefined && o.series !== null) return since(obj(o.series).lastObservedTime, now);
  return time(o.lastTimestamp) ? since(o.lastTimestamp, now) : firstSeen(o, now);
}

function count(o: JsonObject): number {
  if (o.series !== undefined && o.series !== null) return int(obj(o.series).count);
  // Singleton events written through events.k8s.io carry no count.
  return int(o.count) === 0 ? 1 : int(o.count);
}

/** `kind/name` with the kind lowercased, or just the kind when the object has no name. */
function target(o: JsonObject): string {
  const involved = obj(o.involvedObject);
  const kind = str(involved.kind).toLowerCase();
  return str(involved.name) ? `${kind}/${str(involved.name)}` : kind;
}

/** formatEventSource: component (or reportingComponent), then `, host` (or reportingInstance) when set. */
function source(o: JsonObject): string {
  const src = obj(o.source);
  const component = str(src.component) || str(o.reportingComponent);
  const host = str(src.host) || str(o.reportingInstance);
  return host ? `${component}, ${host}` : component;
}

export const eventColumns: TableColumn[] = [
  column(
    'Last Seen',
    'string',
    'The time at which the most recent occurrence of this event was recorded.',
    lastSeen,
  ),
  column(
    'Type',
    'string',
    'Type of this event (Normal, Warning), new types could be added in the future',
    (o) => str(o.type),
  ),
  column(
    'Reason',
    'string',
    "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
    (o) => str(o.reason),
  ),
  column('Object', 'string', 'The object that this event is about.', target),
  column(
    'Subobject',
    'string',
    'The field of the object this event is about (fieldPath).',
    (o) => str(obj(o.involvedObject).fieldPath),
    WIDE,
  ),
  column('Source', 'string', 'The component reporting this event.', source, WIDE),
  column('Message', 'string', 'A human-readable description of the status of this operation.', (o) =>
    str(o.message).trim(),
  ),
  column('First Seen', 'string', 'The time at which the event was first recorded.', firstSeen, WIDE),
  column('Count', 'string', 'The number of times this event has occurred.', count, WIDE),
  column('Name', 'string', NAME_DESCRIPTION, (o) => str(obj(o.metadata).name), { ...WIDE, format: 'name' }),
];
