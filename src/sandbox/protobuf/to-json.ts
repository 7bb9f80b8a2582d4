import protobuf from 'protobufjs';
import { isJsonObject, type JsonObject, type JsonValue } from '../../json/json-value.js';

const META = '.k8s.io.apimachinery.pkg.apis.meta.v1';
const TIME = `${META}.Time`;
const MICRO_TIME = `${META}.MicroTime`;
const INT_OR_STRING = '.k8s.io.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = '.k8s.io.apimachinery.pkg.api.resource.Quantity';
const INT64_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

type Decoded = Record<string, unknown> & { $unknowns?: Uint8Array[] };

/** A field the sandbox has no definition for arrived with content: rejecting beats silently dropping it. */
export class UndecodedFieldError extends Error {}

/** int64 fields decode to Long objects; the JSON API carries them as numbers. */
function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value !== null && typeof value === 'object' && 'toString' in value) return Number(String(value));
  return Number(value);
}

/** Go's RFC 3339 forms: whole seconds for Time, microseconds for MicroTime; a zero time is null. */
function timeToJson(message: Decoded, micro: boolean): JsonValue {
  const seconds = toNumber(message.seconds ?? 0);
  const nanos = toNumber(message.nanos ?? 0);
  if (seconds === 0 && nanos === 0) return null;
  const whole = new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, '');
  if (!micro) return `${whole}Z`;
  return `${whole}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

function isEmpty(value: JsonValue): boolean {
  if (value === null || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isJsonObject(value) && Object.keys(value).length === 0;
}

/** True when an unknown field carries only its zero value (gogo-protobuf writes non-pointer fields even then). */
function unknownIsEmpty(raw: Uint8Array): { field: number; empty: boolean } {
  const reader = protobuf.Reader.create(raw);
  const tag = reader.uint32();
  const field = tag >>> 3;
  switch (tag & 7) {
    case 0:
      return { field, empty: toNumber(reader.uint64()) === 0 };
    case 2:
      return { field, empty: reader.uint32() === 0 };
    case 1:
    case 5:
      return { field, empty: raw.subarray(reader.pos).every((byte) => byte === 0) };
    default:
      return { field, empty: false };
  }
}

function checkUnknownFields(type: protobuf.Type, message: Decoded, path: string): void {
  for (const raw of message.$unknowns ?? []) {
    const { field, empty } = unknownIsEmpty(raw);
    if (!empty) {
      throw new UndecodedFieldError(
        `${path || 'the object'}: protobuf field ${field} of ${type.fullName.slice(1)} is not decoded by the sandbox`,
      );
    }
  }
}

function valueToJson(field: protobuf.Field, value: unknown, path: string): JsonValue {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    const message = value as Decoded;
    switch (resolved.fullName) {
      case TIME:
        return timeToJson(message, false);
      case MICRO_TIME:
        return timeToJson(message, true);
      case INT_OR_STRING:
        return toNumber(message.type ?? 0) === 1
          ? String(message.strVal ?? '')
          : toNumber(message.intVal ?? 0);
      case QUANTITY:
        return String(message.string ?? '');
      default:
        return messageToJson(resolved, message, path);
    }
  }
  if (field.type === 'bytes') return Buffer.from(value as Uint8Array).toString('base64');
  if (INT64_TYPES.has(field.type)) return toNumber(value);
  return value as JsonValue;
}

/**
 * A decoded message in the shape the Kubernetes JSON API uses: JSON field names, int64 as numbers, Time as
 * RFC 3339, Quantity and IntOrString as their JSON forms, bytes as base64, embedded structs inlined, and
 * empty non-pointer fields omitted as Go's omitempty would. `path` names the place in errors.
 */
export function messageToJson(type: protobuf.Type, message: Decoded, path: string): JsonObject {
  checkUnknownFields(type, message, path);
  const out: JsonObject = {};
  for (const field of type.fieldsArray) {
    if (!Object.hasOwn(message, field.name)) continue;
    const value = message[field.name];
    const at = path ? `${path}.${field.name}` : field.name;
    if (field.map) {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length === 0) continue;
      out[field.name] = Object.fromEntries(
        entries.map(([k, v]) => [k, valueToJson(field, v, `${at}[${k}]`)]),
      );
    } else if (field.repeated) {
      const items = value as unknown[];
      if (items.length === 0) continue;
      out[field.name] = items.map((item, i) => valueToJson(field, item, `${at}[${i}]`));
    } else {
      const json = valueToJson(field, value, at);
      if (field.options?.['(inline)'] === true && isJsonObject(json)) Object.assign(out, json);
      else if (field.options?.['(nullable)'] === true || !isEmpty(json)) out[field.name] = json;
    }
  }
  return out;
}
