/**
 * Checks for the Kubernetes schema extensions a CRD may use (x-kubernetes-list-type, -list-map-keys, -map-type,
 * -validations), with apiextensions-apiserver's messages. Part of validateStructuralSchema.
 */

import { isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import { compileCel } from './cel-environment.js';
import { resolveFieldPath } from './cel-values.js';
import { type FieldError, forbidden, invalid, notSupported, required } from './field-errors.js';
import { compileRule, ruleSpec } from './schema-cel-validation.js';
import type { JSONSchemaProps } from './schema-types.js';

const obj = (v: JsonValue | undefined): JsonObject | undefined => (isJsonObject(v) ? v : undefined);
const str = (v: JsonValue | undefined): string => (typeof v === 'string' ? v : '');

function typeMustBe(s: JsonObject, path: string, want: string, ext: string, errs: FieldError[]): void {
  if (s.type === want) return;
  const why = `must be ${want} if ${ext} is specified`;
  errs.push(str(s.type) === '' ? required(`${path}.type`, why) : invalid(`${path}.type`, str(s.type), why));
}

export function checkListType(s: JsonObject, path: string, errs: FieldError[]): void {
  const listType = s['x-kubernetes-list-type'];
  const keys = s['x-kubernetes-list-map-keys'];
  const keyList = Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
  const mapType = s['x-kubernetes-map-type'];
  if (mapType !== undefined) {
    typeMustBe(s, path, 'object', 'x-kubernetes-map-type', errs);
    if (mapType !== 'atomic' && mapType !== 'granular') {
      errs.push(notSupported(`${path}.x-kubernetes-map-type`, mapType, ['atomic', 'granular']));
    }
  }
  if (listType !== undefined) {
    typeMustBe(s, path, 'array', 'x-kubernetes-list-type', errs);
    if (typeof listType !== 'string' || !['atomic', 'set', 'map'].includes(listType)) {
      errs.push(notSupported(`${path}.x-kubernetes-list-type`, listType, ['atomic', 'set', 'map']));
    }
  }
  if (keys !== undefined && !(Array.isArray(keys) && keys.every((k) => typeof k === 'string'))) {
    errs.push(invalid(`${path}.x-kubernetes-list-map-keys`, keys, 'must be a list of strings'));
  }
  const keysWhy = 'must be map if x-kubernetes-list-map-keys is non-empty';
  if (keyList.length > 0 && listType === undefined)
    errs.push(required(`${path}.x-kubernetes-list-type`, keysWhy));
  else if (keyList.length > 0 && listType !== 'map') {
    errs.push(invalid(`${path}.x-kubernetes-list-type`, listType as JsonValue, keysWhy));
  }
  const items = obj(s.items);
  if (listType === 'map') {
    if (keyList.length === 0) {
      errs.push(
        required(`${path}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map'),
      );
    }
    if (!items) errs.push(required(`${path}.items`, 'must have a schema if x-kubernetes-list-type is map'));
    else if (items.type !== 'object') {
      const why = "must be object if parent array's x-kubernetes-list-type is map";
      errs.push(invalid(`${path}.items.type`, str(items.type), why));
    } else {
      checkMapKeys(items, keyList, keys as JsonValue, path, errs);
    }
  }
  if (listType === 'set' && s.type === 'array' && items) {
    // Set members are compared whole, so nested lists and maps must be atomic too.
    const why = 'must be atomic as item of a list with x-kubernetes-list-type=set';
    const nestedList = items['x-kubernetes-list-type'];
    if (items.type === 'array' && nestedList !== undefined && nestedList !== 'atomic') {
      errs.push(invalid(`${path}.items.x-kubernetes-list-type`, nestedList, why));
    }
    const nestedMap = items['x-kubernetes-map-type'];
    if (items.type === 'object' && nestedMap !== 'atomic') {
      errs.push(invalid(`${path}.items.x-kubernetes-map-type`, nestedMap ?? null, why));
    }
  }
  if ((listType === 'map' || listType === 'set') && items?.nullable === true) {
    errs.push(
      forbidden(`${path}.items.nullable`, `cannot be nullable when x-kubernetes-list-type is ${listType}`),
    );
  }
}

/** Map-list keys must be scalar item properties, unique, and required or defaulted. */
function checkMapKeys(
  items: JsonObject,
  keyList: string[],
  keys: JsonValue,
  path: string,
  errs: FieldError[],
): void {
  const props = obj(items.properties) ?? {};
  const requiredKeys = Array.isArray(items.required) ? items.required : [];
  const seen = new Set<string>();
  for (const k of keyList) {
    const prop = obj(props[k]);
    if (!prop) {
      errs.push(
        invalid(`${path}.x-kubernetes-list-map-keys`, keys, 'entries must all be names of item properties'),
      );
    } else {
      if (prop.type === 'array' || prop.type === 'object') {
        const why = "must be a scalar type if parent array's x-kubernetes-list-type is map";
        errs.push(invalid(`${path}.items.properties[${k}].type`, 'object', why));
      }
      if (!requiredKeys.includes(k) && prop.default === undefined) {
        const why =
          'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property';
        errs.push(required(`${path}.items.properties[${k}].default`, why));
      }
      if (prop.nullable === true) {
        const why = 'this property is in x-kubernetes-list-map-keys, so it cannot be nullable';
        errs.push(forbidden(`${path}.items.properties[${k}].nullable`, why));
      }
    }
    if (seen.has(k))
      errs.push(invalid(`${path}.x-kubernetes-list-map-keys`, keys, 'must not contain duplicate entries'));
    seen.add(k);
  }
}

const REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];

/**
 * The shape of each CEL rule, then, as the apiserver does when the shapes are right, its compilation: a rule that
 * does not compile, or does not give a bool, refuses the CRD. `uncorrelatable` is the schema path of the nearest
 * enclosing array items that have no old value to compare with (lists other than x-kubernetes-list-type=map).
 */
export function checkCelRules(
  rules: JsonValue[],
  path: string,
  errs: FieldError[],
  node: JsonObject = {},
  uncorrelatable?: string,
): void {
  rules.forEach((raw, i) => {
    const at = `${path}.x-kubernetes-validations[${i}]`;
    const rule = obj(raw) ?? {};
    const text = str(rule.rule).trim();
    const message = typeof rule.message === 'string' ? rule.message : '';
    const shapeErrors = errs.length;
    if (text === '') errs.push(required(`${at}.rule`, 'rule is not specified'));
    else if (message.length > 0 && message.trim() === '') {
      errs.push(invalid(`${at}.message`, message, 'message must be non-empty if specified'));
    } else if (/[\n\r]/.test(message.trim())) {
      errs.push(invalid(`${at}.message`, message, 'message must not contain line breaks'));
    } else if (/[\n\r]/.test(text) && message.trim() === '') {
      errs.push(required(`${at}.message`, 'message must be specified if rule contains line breaks'));
    }
    const messageExpression = str(rule.messageExpression);
    if (messageExpression.length > 0 && messageExpression.trim() === '') {
      errs.push(required(`${at}.messageExpression`, 'messageExpression must be non-empty if specified'));
    }
    if (rule.reason !== undefined && !REASONS.includes(str(rule.reason))) {
      errs.push(notSupported(`${at}.reason`, rule.reason, REASONS));
    }
    const fieldPath = str(rule.fieldPath);
    if (fieldPath.length > 0 && fieldPath.trim() === '') {
      errs.push(invalid(`${at}.fieldPath`, fieldPath, 'fieldPath must be non-empty if specified'));
    } else if (/[\n\r]/.test(fieldPath)) {
      errs.push(invalid(`${at}.fieldPath`, fieldPath, 'fieldPath must not contain line breaks'));
    } else if (fieldPath.length > 0) {
      try {
        resolveFieldPath(fieldPath.trim(), node as JSONSchemaProps);
      } catch (err) {
        const why = `fieldPath must be a valid path: ${(err as Error).message}`;
        errs.push(invalid(`${at}.fieldPath`, fieldPath, why));
      }
    }
    if (errs.length === shapeErrors) checkCompiles(rule, node, at, uncorrelatable, errs);
  });
}

function checkCompiles(
  rule: JsonObject,
  node: JsonObject,
  at: string,
  uncorrelatable: string | undefined,
  errs: FieldError[],
): void {
  const compiled = compileRule(ruleSpec(rule), node as JSONSchemaProps);
  if (compiled.error !== undefined && compiled.unsupportedFunction === undefined) {
    errs.push(goStructInvalid(`${at}.rule`, goValidationRule(rule), compiled.error));
  }
  const messageExpression = str(rule.messageExpression).trim();
  if (messageExpression !== '') {
    const message = compileCel(messageExpression);
    if (!message.ok && message.unsupportedFunction === undefined) {
      const why = `messageExpression compilation failed: ${message.error}`;
      errs.push(goStructInvalid(`${at}.messageExpression`, goValidationRule(rule), why));
    } else if (message.ok && message.resultType !== 'string' && message.resultType !== 'dyn') {
      const why = 'must evaluate to a string';
      errs.push(goStructInvalid(`${at}.messageExpression`, goValidationRule(rule), why));
    }
  }
  if (compiled.usesOldSelf && uncorrelatable !== undefined) {
    const why = `oldSelf cannot be used on the uncorrelatable portion of the schema within ${uncorrelatable}`;
    errs.push(invalid(`${at}.rule`, str(rule.rule), why));
  }
}

/** The rule as Go's %#v prints apiextensions.ValidationRule, which is how the apiserver quotes it. */
function goValidationRule(rule: JsonObject): string {
  const q = (v: JsonValue | undefined) => JSON.stringify(str(v));
  const pointer = (v: JsonValue | undefined, type: string) =>
    v === undefined || v === null ? `(*${type})(nil)` : `(*${type})(0xc000a1b2c0)`;
  return `apiextensions.ValidationRule{Rule:${q(rule.rule)}, Message:${q(rule.message)}, MessageExpression:${q(
    rule.messageExpression,
  )}, Reason:${pointer(rule.reason, 'apiextensions.FieldValueErrorReason')}, FieldPath:${q(
    rule.fieldPath,
  )}, OptionalOldSelf:${pointer(rule.optionalOldSelf, 'bool')}}`;
}

function goStructInvalid(field: string, printed: string, detail: string): FieldError {
  const body = `Invalid value: ${printed}: ${detail}`;
  return { field, type: 'FieldValueInvalid', message: `${field}: ${body}`, detail: body };
}
