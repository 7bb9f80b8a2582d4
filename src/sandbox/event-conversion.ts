import type { JsonObject } from '../json/json-value.js';
import type { VersionCodec } from './resource-type.js';

/**
 * core/v1 and events.k8s.io/v1 Events share one storage in a real cluster: an Event written through one API
 * is readable through the other. The sandbox stores the core/v1 shape and renames fields for events.k8s.io.
 */
const RENAMES: Array<[core: string, eventsV1: string]> = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
  ['reportingComponent', 'reportingController'],
];

function rename(input: JsonObject, pairs: Array<[string, string]>, apiVersion: string): JsonObject {
  const out: JsonObject = {};
  const map = new Map(pairs);
  for (const [key, value] of Object.entries(input)) {
    out[map.get(key) ?? key] = value;
  }
  out.apiVersion = apiVersion;
  out.kind = 'Event';
  return out;
}

export const eventCodecForEventsV1: VersionCodec = {
  toExternal: (stored) => rename(stored, RENAMES, 'events.k8s.io/v1'),
  toStorage: (external) =>
    rename(
      external,
      RENAMES.map(([core, v1]) => [v1, core]),
      'v1',
    ),
};
