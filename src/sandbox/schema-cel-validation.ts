/**
 * Evaluates a CRD's x-kubernetes-validations rules on a custom resource, as apiextensions-apiserver's CEL
 * validator does after defaulting: at every schema node that has rules (properties, array items,
 * additionalProperties), with `self` bound to the value there and, for transition rules, `oldSelf` to the
 * correlated old value (map keys; items of x-kubernetes-list-type=map lists by their keys). A rule that does not
 * hold becomes a field error at the node's path (plus the rule's fieldPath) with the rule's message,
 * messageExpression or `failed rule: <rule>`, typed by its reason; a rule that fails to evaluate becomes
 * `<error> evaluating rule: <rule>`. On update, a failing rule that does not use oldSelf on a value that did not
 * change is only a warning (CRD validation ratcheting). Compiled rules are cached per schema node, so per CRD
 * version.
 */
import { deepEqual, isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import { type CelProgram, compileCel, runtimeErrorText } from './cel-environment.js';
import { resolveFieldPath, toCelValue } from './cel-values.js';
import { duplicate, type FieldError, forbidden, indexPath, invalid, required } from './field-errors.js';
import { additionalSchema, itemsSchema, type JSONSchemaProps, propertySchema } from './schema-types.js';

export interface CelRule {
  rule: string;
  message: string;
  messageExpression: string;
  reason: string;
  fieldPath: string;
}

export interface CompiledRule {
  spec: CelRule;
  program?: CelProgram;
  usesOldSelf: boolean;
  /** Why the rule cannot run (a compile error), reported at its node when it is reached. */
  error?: string;
  /** The Kubernetes library function the sandbox lacks: the rule is skipped. */
  unsupportedFunction?: string;
  messageProgram?: CelProgram;
  /** The field path the rule's fieldPath names below its node (`spec.x`), '' for none. */
  relativePath: string;
}

const str = (v: JsonValue | undefined): string => (typeof v === 'string' ? v : '');

export function ruleSpec(raw: JsonValue): CelRule {
  const r = isJsonObject(raw) ? raw : {};
  return {
    rule: str(r.rule),
    message: str(r.message),
    messageExpression: str(r.messageExpression),
    reason: str(r.reason),
    fieldPath: str(r.fieldPath),
  };
}

export function compileRule(spec: CelRule, node: JSONSchemaProps): CompiledRule {
  const out: CompiledRule = { spec, usesOldSelf: false, relativePath: '' };
  if (spec.fieldPath.trim() !== '') {
    try {
      out.relativePath = resolveFieldPath(spec.fieldPath.trim(), node);
    } catch {
      // Reported when the CRD is admitted; a stored CRD never gets here.
    }
  }
  if (spec.rule.trim() === '') return out;
  const compiled = compileCel(spec.rule);
  if (!compiled.ok) {
    out.error = `compilation failed: ${compiled.error}`;
    out.unsupportedFunction = compiled.unsupportedFunction;
    return out;
  }
  if (compiled.resultType !== 'bool' && compiled.resultType !== 'dyn') {
    out.error = 'cel expression must evaluate to a bool';
    return out;
  }
  out.program = compiled.program;
  out.usesOldSelf = compiled.usesOldSelf;
  if (spec.messageExpression.trim() !== '') {
    const message = compileCel(spec.messageExpression);
    if (message.ok && (message.resultType === 'string' || message.resultType === 'dyn')) {
      out.messageProgram = message.program;
    }
  }
  return out;
}

const compiledRules = new WeakMap<JSONSchemaProps, CompiledRule[]>();
const subtreeHasRules = new WeakMap<JSONSchemaProps, boolean>();

function rulesAt(node: JSONSchemaProps): CompiledRule[] {
  let rules = compiledRules.get(node);
  if (!rules) {
    const raw = Array.isArray(node['x-kubernetes-validations']) ? node['x-kubernetes-validations'] : [];
    rules = raw.map((r) => compileRule(ruleSpec(r), node));
    compiledRules.set(node, rules);
  }
  return rules;
}

/** Whether any node of the schema carries x-kubernetes-validations (cached per schema node). */
export function hasRules(node: JSONSchemaProps | undefined): boolean {
  if (!node) return false;
  const known = subtreeHasRules.get(node);
  if (known !== undefined) return known;
  const props = isJsonObject(node.properties as JsonValue | undefined)
    ? Object.keys(node.properties ?? {}).map((k) => propertySchema(node, k))
    : [];
  const result =
    (Array.isArray(node['x-kubernetes-validations']) && node['x-kubernetes-validations'].length > 0) ||
    hasRules(itemsSchema(node)) ||
    hasRules(additionalSchema(node)) ||
    props.some(hasRules);
  subtreeHasRules.set(node, result);
  return result;
}

export interface CelValidationResult {
  errors: FieldError[];
  warnings: string[];
}

/** Runs every rule in the schema over `object` (and `old` on update). Paths start at the resource root. */
export function validateCelRules(
  schema: JSONSchemaProps,
  object: JsonObject,
  old: JsonObject | undefined,
): CelValidationResult {
  const result: CelValidationResult = { errors: [], warnings: [] };
  if (!hasRules(schema)) return result;
  const ratchet = old !== undefined && deepEqual(object, old);
  visit(schema, object, old, '', ratchet, true, result);
  return result;
}

function visit(
  node: JSONSchemaProps,
  value: JsonValue | undefined,
  old: JsonValue | undefined,
  path: string,
  ratchet: boolean,
  resourceRoot: boolean,
  out: CelValidationResult,
): void {
  if (value === null || value === undefined || !hasRules(node)) return;
  evaluateRules(node, value, old ?? undefined, path, ratchet, resourceRoot, out);
  if (Array.isArray(value)) {
    const items = itemsSchema(node);
    if (!items || !hasRules(items)) return;
    const keys =
      node['x-kubernetes-list-type'] === 'map' ? (node['x-kubernetes-list-map-keys'] ?? []) : undefined;
    const oldItems = Array.isArray(old) ? old : [];
    value.forEach((item, i) => {
      // Only map lists correlate items with their old selves; elsewhere an item has no oldSelf.
      const oldItem = keys ? oldItems.find((o) => sameKeys(o, item, keys)) : undefined;
      const childRatchet = oldItem !== undefined ? deepEqual(item, oldItem) : ratchet;
      visit(items, item, oldItem, indexPath(path, i), childRatchet, false, out);
    });
    return;
  }
  if (!isJsonObject(value)) return;
  const oldObject = isJsonObject(old ?? null) ? (old as JsonObject) : undefined;
  const additional = additionalSchema(node);
  for (const [key, child] of Object.entries(value)) {
    if (resourceRoot && key === 'metadata') continue;
    const prop = propertySchema(node, key);
    const sub = prop ?? additional;
    if (!sub) continue;
    const oldChild = oldObject?.[key];
    const childRatchet = oldChild !== undefined ? deepEqual(child, oldChild) : ratchet;
    const childPath = prop ? (path === '' ? key : `${path}.${key}`) : `${path}[${key}]`;
    visit(sub, child, oldChild, childPath, childRatchet, false, out);
  }
}

function sameKeys(a: JsonValue, b: JsonValue, keys: string[]): boolean {
  return isJsonObject(a) && isJsonObject(b) && keys.every((k) => deepEqual(a[k] ?? null, b[k] ?? null));
}

function evaluateRules(
  node: JSONSchemaProps,
  value: JsonValue,
  old: JsonValue | undefined,
  path: string,
  ratchet: boolean,
  resourceRoot: boolean,
  out: CelValidationResult,
): void {
  const rules = rulesAt(node);
  if (rules.length === 0) return;
  // The apiserver reports at the node's path; at the resource root that path is nil, printed "<nil>".
  const at = path === '' ? '<nil>' : path;
  const typeName = typeof node.type === 'string' && node.type !== '' ? node.type : 'object';
  let self: unknown;
  let oldSelf: unknown;
  for (const rule of rules) {
    if (rule.unsupportedFunction !== undefined) continue;
    if (rule.error !== undefined) {
      out.errors.push(invalid(at, typeName, `rule compile error: ${rule.error}`));
      continue;
    }
    if (!rule.program) continue;
    // Transition rules run only where there is an old value to compare with.
    if (rule.usesOldSelf && old === undefined) continue;
    self ??= toCelValue(value, node, resourceRoot);
    if (rule.usesOldSelf && old !== undefined) oldSelf ??= toCelValue(old, node, resourceRoot);
    const vars = rule.usesOldSelf ? { self, oldSelf } : { self };
    let outcome: unknown;
    try {
      outcome = rule.program(vars);
    } catch (err) {
      out.errors.push(invalid(at, typeName, runtimeFailure(err, rule.spec)));
      continue;
    }
    if (outcome === true) continue;
    if (typeof outcome !== 'boolean') {
      const why = `'no such overload': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(rule.spec)}`;
      out.errors.push(invalid(at, typeName, why));
      continue;
    }
    const field =
      rule.relativePath === '' ? at : path === '' ? rule.relativePath : `${path}.${rule.relativePath}`;
    const error = failure(field, typeName, messageFor(rule, vars), rule.spec.reason);
    if (ratchet && !rule.usesOldSelf) out.warnings.push(error.message);
    else out.errors.push(error);
  }
}

function runtimeFailure(err: unknown, spec: CelRule): string {
  const text = runtimeErrorText(err);
  if (text.startsWith('no such overload')) {
    return `'no such overload': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(spec)}`;
  }
  return `${text} evaluating rule: ${ruleErrorString(spec)}`;
}

function messageFor(rule: CompiledRule, vars: Record<string, unknown>): string {
  if (rule.messageProgram) {
    try {
      const text = rule.messageProgram(vars);
      // Like the apiserver, a message expression that fails or gives an unusable string falls back to message.
      if (typeof text === 'string' && text.trim() !== '' && !/\n/.test(text.trim())) return text.trim();
    } catch {
      // fall through to the static message
    }
  }
  return rule.spec.message !== '' ? rule.spec.message.trim() : `failed rule: ${ruleErrorString(rule.spec)}`;
}

function ruleErrorString(spec: CelRule): string {
  return spec.message !== '' ? spec.message.trim() : spec.rule.trim();
}

function failure(field: string, typeName: string, detail: string, reason: string): FieldError {
  switch (reason) {
    case 'FieldValueForbidden':
      return forbidden(field, detail);
    case 'FieldValueRequired':
      return required(field, detail);
    case 'FieldValueDuplicate':
      return duplicate(field, typeName);
    default:
      return invalid(field, typeName, detail);
  }
}
