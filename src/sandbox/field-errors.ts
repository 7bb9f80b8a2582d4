/**
 * Field errors shaped like apimachinery's field.Error, so a 422 Status built from them reads exactly like the
 * apiserver's: `message` is the whole line (`spec.x: Required value`), `detail` is the part after the field,
 * which is also what a Status cause carries as its message.
 */
import { isJsonObject, type JsonValue } from '../json/json-value.js';

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueTypeInvalid'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden';

export interface FieldError {
  field: string;
  type: FieldErrorType;
  message: string;
  detail: string;
  badValue?: JsonValue;
}

/** Formats a value the way Go's `%v`/`%q` does in field errors: strings quoted, scalars bare. */
export function formatValue(value: JsonValue | undefined): string {
  if (value === undefined) return '<nil>';
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

export function indexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

function make(field: string, type: FieldErrorType, detail: string, badValue?: JsonValue): FieldError {
  const err: FieldError = { field, type, message: field === '' ? detail : `${field}: ${detail}`, detail };
  if (badValue !== undefined) err.badValue = badValue;
  return err;
}

export function required(field: string, detail = ''): FieldError {
  return make(field, 'FieldValueRequired', detail ? `Required value: ${detail}` : 'Required value');
}

export function invalid(field: string, value: JsonValue, detail: string): FieldError {
  return make(field, 'FieldValueInvalid', `Invalid value: ${formatValue(value)}: ${detail}`, value);
}

export function typeInvalid(field: string, value: JsonValue, detail: string): FieldError {
  return make(field, 'FieldValueTypeInvalid', `Invalid value: ${formatValue(value)}: ${detail}`, value);
}

export function notSupported(field: string, value: JsonValue, supported: JsonValue[]): FieldError {
  const list = supported.map((v) => JSON.stringify(typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
  return make(
    field,
    'FieldValueNotSupported',
    `Unsupported value: ${formatValue(value)}: supported values: ${list}`,
    value,
  );
}

export function tooLong(field: string, max: number): FieldError {
  return make(
    field,
    'FieldValueTooLong',
    `Too long: may not be more than ${max} ${max === 1 ? 'byte' : 'bytes'}`,
  );
}

export function tooMany(field: string, actual: number, max: number): FieldError {
  const items = max === 1 ? 'item' : 'items';
  return make(field, 'FieldValueTooMany', `Too many: ${actual}: must have at most ${max} ${items}`, actual);
}

export function duplicate(field: string, value: JsonValue): FieldError {
  return make(field, 'FieldValueDuplicate', `Duplicate value: ${formatValue(value)}`, value);
}

export function forbidden(field: string, detail: string): FieldError {
  return make(field, 'FieldValueForbidden', `Forbidden: ${detail}`);
}

/** The JSON type name the OpenAPI validator reports for a value ("integer" for whole numbers). */
export function jsonTypeName(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (isJsonObject(value)) return 'object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}
