/**
 * apiextensions-apiserver's static checks for the non-schema parts of a CRD version: additionalPrinterColumns
 * and the scale subresource's JSON paths. Pure; the caller feeds the resulting field errors into its 422.
 */

import { isJsonObject, type JsonValue } from '../json/json-value.js';
import { type FieldError, invalid, required } from './field-errors.js';

const COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];

const str = (v: JsonValue | undefined): string => (typeof v === 'string' ? v : '');

/** The "simple" JSON path CRDs use for columns and scale paths: non-empty and starting with a dot. */
export function validateSimpleJsonPath(path: string, field: string): FieldError[] {
  if (path.length === 0) return [invalid(field, path, 'must not be empty')];
  if (!path.startsWith('.')) return [invalid(field, path, 'must be a simple json path starting with .')];
  return [];
}

/** One entry of spec.versions[i].additionalPrinterColumns. Upstream names the path field `JSONPath`. */
export function validatePrinterColumn(column: JsonValue, path: string): FieldError[] {
  const col = isJsonObject(column) ? column : {};
  const errs: FieldError[] = [];
  if (str(col.name) === '') errs.push(required(`${path}.name`));
  const type = str(col.type);
  const typeWhy = `must be one of ${COLUMN_TYPES.join(',')}`;
  if (type === '') errs.push(required(`${path}.type`, typeWhy));
  else if (!COLUMN_TYPES.includes(type)) errs.push(invalid(`${path}.type`, type, typeWhy));
  const format = str(col.format);
  if (format !== '' && !COLUMN_FORMATS.includes(format)) {
    errs.push(invalid(`${path}.format`, format, `must be one of ${COLUMN_FORMATS.join(',')}`));
  }
  const jsonPath = str(col.jsonPath);
  if (jsonPath === '') errs.push(required(`${path}.JSONPath`));
  else errs.push(...validateSimpleJsonPath(jsonPath, `${path}.JSONPath`));
  return errs;
}

/** spec.versions[i].subresources.scale: replica paths under .spec/.status, selector path under either. */
export function validateScaleSubresource(scale: JsonValue, path: string): FieldError[] {
  const s = isJsonObject(scale) ? scale : {};
  const errs: FieldError[] = [];
  const under = (key: string, prefixes: string[], why: string) => {
    const value = str(s[key]);
    const field = `${path}.${key}`;
    const syntax = validateSimpleJsonPath(value, field);
    if (syntax.length > 0) errs.push(...syntax);
    else if (!prefixes.some((p) => value.startsWith(p))) errs.push(invalid(field, value, why));
  };
  if (str(s.specReplicasPath) === '') errs.push(required(`${path}.specReplicasPath`));
  else under('specReplicasPath', ['.spec.'], 'should be a json path under .spec');
  if (str(s.statusReplicasPath) === '') errs.push(required(`${path}.statusReplicasPath`));
  else under('statusReplicasPath', ['.status.'], 'should be a json path under .status');
  if (str(s.labelSelectorPath) !== '') {
    under('labelSelectorPath', ['.spec.', '.status.'], 'should be a json path under either .spec or .status');
  }
  return errs;
}
