import { deepEqual, isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.js';

/**
 * The RFC 7386 JSON merge patch that turns `from` into `to`: changed keys carry the new value, removed keys are
 * null, arrays are replaced whole. Returns undefined when nothing differs. Used to send only what changed.
 */
export function createMergePatch(from: JsonValue | undefined, to: JsonValue): JsonValue | undefined {
  if (deepEqual(from, to)) return undefined;
  if (!isJsonObject(from) || !isJsonObject(to)) return to;
  const patch: JsonObject = {};
  for (const key of Object.keys(from)) {
    if (!(key in to)) patch[key] = null;
  }
  for (const [key, value] of Object.entries(to)) {
    const sub = createMergePatch(from[key], value);
    if (sub !== undefined) patch[key] = sub;
  }
  return patch;
}
