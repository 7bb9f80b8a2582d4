import { isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.js';

/** An object's metadata, created empty when absent (the storage layer writes into it). */
export const meta = (o: JsonObject): JsonObject => {
  if (!isJsonObject(o.metadata)) o.metadata = {};
  return o.metadata as JsonObject;
};

export const str = (v: JsonValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

export const finalizersOf = (o: JsonObject): string[] =>
  Array.isArray(meta(o).finalizers)
    ? (meta(o).finalizers as JsonValue[]).filter((f): f is string => typeof f === 'string')
    : [];
