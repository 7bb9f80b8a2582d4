/**
 * Label and field selectors as the kube-apiserver parses and matches them: the `?labelSelector=` and
 * `?fieldSelector=` query strings, and metav1.LabelSelector objects found in specs (Deployment, aggregationRule).
 * Error texts follow apimachinery so kubectl users see what they would see against a real cluster.
 */

import { isJsonObject, type JsonValue } from '../json/json-value.js';
import type { FieldSelector } from './field-selectors.js';
import { labelKeyErrors, labelValueErrors } from './label-syntax.js';
import { SelectorError } from './selector-error.js';

export {
  type FieldRequirement,
  type FieldSelector,
  fieldValue,
  matchesFields,
  parseFieldSelector,
} from './field-selectors.js';
export { labelKeyErrors, labelValueErrors } from './label-syntax.js';
export { SelectorError } from './selector-error.js';

export type LabelOperator =
  | 'Equals'
  | 'NotEquals'
  | 'In'
  | 'NotIn'
  | 'Exists'
  | 'DoesNotExist'
  | 'GreaterThan'
  | 'LessThan';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

/** A conjunction of requirements; no requirements means "everything". */
export interface LabelSelector {
  requirements: LabelRequirement[];
}

function quoteGo(value: string): string {
  return JSON.stringify(value);
}

function goStringList(values: string[]): string {
  return `[]string{${values.map(quoteGo).join(', ')}}`;
}

/** Go's field.ErrorList aggregate: one error prints alone, several print as `[a, b]`. */
function aggregate(errs: string[]): string {
  return errs.length === 1 ? (errs[0] ?? '') : `[${errs.join(', ')}]`;
}

/** Builds a requirement the way labels.NewRequirement does, collecting every problem into one error. */
function newRequirement(
  key: string,
  operator: LabelOperator,
  values: string[],
  prefix = '',
): LabelRequirement {
  const errs: string[] = [];
  const keyErrs = labelKeyErrors(key);
  if (keyErrs.length > 0) errs.push(`key: Invalid value: ${quoteGo(key)}: ${keyErrs.join('; ')}`);
  const list = goStringList(values);
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) {
        errs.push(`values: Invalid value: ${list}: for 'in', 'notin' operators, values set can't be empty`);
      }
      break;
    case 'Equals':
    case 'NotEquals':
      if (values.length !== 1) {
        errs.push(`values: Invalid value: ${list}: exact-match compatibility requires one single value`);
      }
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length !== 0) {
        errs.push(`values: Invalid value: ${list}: values set must be empty for exists and does not exist`);
      }
      break;
    case 'GreaterThan':
    case 'LessThan':
      if (values.length !== 1) {
        errs.push(`values: Invalid value: ${list}: for 'Gt', 'Lt' operators, exactly one value is required`);
      }
      values.forEach((v, i) => {
        if (!/^[-+]?\d+$/.test(v)) {
          errs.push(
            `values[${i}]: Invalid value: ${quoteGo(v)}: for 'Gt', 'Lt' operators, the value must be an integer`,
          );
        }
      });
      break;
  }
  values.forEach((v, i) => {
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length > 0) {
      errs.push(`values[${i}][${key}]: Invalid value: ${quoteGo(v)}: ${valueErrs.join('; ')}`);
    }
  });
  if (errs.length > 0) throw new SelectorError(`${prefix}${aggregate(errs)}`);
  return { key, operator, values };
}

/** A set of values as apimachinery keeps it: deduplicated and sorted. */
function valueSet(values: string[]): string[] {
  return [...new Set(values)].sort();
}

// --- label selector string parser (apimachinery labels.Parse) ---

type TokenKind = 'ident' | 'in' | 'notin' | '!' | '=' | '==' | '!=' | '>' | '<' | ',' | '(' | ')' | 'end';

interface Token {
  kind: TokenKind;
  text: string;
}

const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (SPECIAL.has(c)) {
      const two = text.slice(i, i + 2);
      if (two === '==' || two === '!=') {
        tokens.push({ kind: two, text: two });
        i += 2;
      } else {
        tokens.push({ kind: c as TokenKind, text: c });
        i++;
      }
      continue;
    }
    let j = i;
    while (j < text.length && !SPECIAL.has(text[j] ?? '') && !/\s/.test(text[j] ?? '')) j++;
    const word = text.slice(i, j);
    tokens.push({ kind: word === 'in' ? 'in' : word === 'notin' ? 'notin' : 'ident', text: word });
    i = j;
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

const REQUIREMENT_ERROR = 'unable to parse requirement: ';

/** Mirrors labels.Parser; errors inside a requirement carry the apiserver's "unable to parse requirement" prefix. */
class LabelParser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  /** In value position the keywords `in`/`notin` are plain identifiers, as upstream. */
  private peek(values = true): Token {
    const t = this.tokens[this.pos] ?? { kind: 'end', text: '' };
    return values && (t.kind === 'in' || t.kind === 'notin') ? { kind: 'ident', text: t.text } : t;
  }
  private next(values = true): Token {
    const t = this.peek(values);
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    const first = this.peek();
    if (first.kind === 'end') return reqs;
    if (first.kind !== 'ident' && first.kind !== '!') {
      throw new SelectorError(`found '${first.text}', expected: !, identifier, or 'end of string'`);
    }
    for (;;) {
      reqs.push(this.requirement());
      const t = this.next();
      if (t.kind === 'end') return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      if (t.kind !== ',') throw new SelectorError(`found '${t.text}', expected: ',' or 'end of string'`);
      const after = this.peek();
      if (after.kind !== 'ident' && after.kind !== '!') {
        throw new SelectorError(`found '${after.text}', expected: identifier after ','`);
      }
    }
  }

  private fail(message: string): never {
    throw new SelectorError(REQUIREMENT_ERROR + message);
  }

  private requirement(): LabelRequirement {
    let t = this.next();
    const negated = t.kind === '!';
    if (negated) t = this.next();
    if (t.kind !== 'ident') this.fail(`found '${t.text}', expected: identifier`);
    const key = t.text;
    const keyErrs = labelKeyErrors(key);
    // The parser validates the key with a nil field path, which Go prints as "<nil>".
    if (keyErrs.length > 0) this.fail(`<nil>: Invalid value: ${quoteGo(key)}: ${keyErrs.join('; ')}`);
    const after = this.peek();
    if (negated) return newRequirement(key, 'DoesNotExist', [], REQUIREMENT_ERROR);
    if (after.kind === 'end' || after.kind === ',')
      return newRequirement(key, 'Exists', [], REQUIREMENT_ERROR);
    const op = this.next(false);
    const build = (operator: LabelOperator, values: string[]) =>
      newRequirement(key, operator, valueSet(values), REQUIREMENT_ERROR);
    switch (op.kind) {
      case 'in':
        return build('In', this.values());
      case 'notin':
        return build('NotIn', this.values());
      case '=':
      case '==':
        return build('Equals', [this.exactValue()]);
      case '!=':
        return build('NotEquals', [this.exactValue()]);
      case '>':
        return build('GreaterThan', [this.exactValue()]);
      case '<':
        return build('LessThan', [this.exactValue()]);
      default:
        return this.fail(`found '${op.text}', expected: '=', '!=', '==', 'in', notin'`);
    }
  }

  private exactValue(): string {
    const t = this.peek();
    if (t.kind === 'end' || t.kind === ',') return '';
    this.next();
    if (t.kind === 'ident') return t.text;
    return this.fail(`found '${t.text}', expected: identifier`);
  }

  private values(): string[] {
    const open = this.next();
    if (open.kind !== '(') this.fail(`found '${open.text}' expected: '('`);
    const first = this.peek();
    if (first.kind === ')') {
      this.next();
      return [''];
    }
    if (first.kind !== 'ident' && first.kind !== ',')
      this.fail(`found '${first.text}', expected: ',', ')' or identifier`);
    const values: string[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === 'ident') {
        values.push(t.text);
        const sep = this.peek();
        if (sep.kind === ')') break;
        if (sep.kind !== ',') this.fail(`found '${sep.text}', expected: ',' or ')'`);
      } else if (t.kind === ',') {
        // `(,a)`, `(a,,b)` and `(a,)` all contain the empty value, as upstream reads them.
        if (values.length === 0) values.push('');
        const ahead = this.peek();
        if (ahead.kind === ')') {
          values.push('');
          break;
        }
        if (ahead.kind === ',') {
          this.next();
          values.push('');
        }
      } else {
        this.fail(`found '${t.text}', expected: ',', or identifier`);
      }
    }
    const close = this.next();
    if (close.kind !== ')') this.fail(`found '${first.text}', expected: ')'`);
    return values;
  }
}

export function parseLabelSelector(text: string): LabelSelector {
  return { requirements: new LabelParser(lex(text)).parse() };
}

/**
 * metav1.LabelSelector → LabelSelector. `{}` selects everything; so do absent and null here, whereas upstream
 * LabelSelectorAsSelector(nil) selects nothing: callers that need that must check for absence first.
 */
export function labelSelectorFromObject(sel: JsonValue | undefined): LabelSelector {
  if (sel === undefined || sel === null) return { requirements: [] };
  if (!isJsonObject(sel)) throw new SelectorError('label selector must be an object');
  const reqs: LabelRequirement[] = [];
  const matchLabels = sel.matchLabels;
  if (matchLabels !== undefined && matchLabels !== null) {
    if (!isJsonObject(matchLabels)) throw new SelectorError('matchLabels must be an object of strings');
    for (const [k, v] of Object.entries(matchLabels)) {
      if (typeof v !== 'string') throw new SelectorError(`matchLabels[${k}] must be a string`);
      reqs.push(newRequirement(k, 'Equals', [v]));
    }
  }
  const exprs = sel.matchExpressions;
  if (exprs !== undefined && exprs !== null) {
    if (!Array.isArray(exprs)) throw new SelectorError('matchExpressions must be a list');
    for (const expr of exprs) {
      if (!isJsonObject(expr) || typeof expr.key !== 'string') {
        throw new SelectorError('matchExpressions entries need a string key');
      }
      const rawValues = expr.values ?? [];
      if (!Array.isArray(rawValues) || rawValues.some((v) => typeof v !== 'string')) {
        throw new SelectorError(`matchExpressions values for key ${quoteGo(expr.key)} must be strings`);
      }
      const values = rawValues as string[];
      const op = expr.operator;
      if (op !== 'In' && op !== 'NotIn' && op !== 'Exists' && op !== 'DoesNotExist') {
        throw new SelectorError(`${quoteGo(String(op))} is not a valid label selector operator`);
      }
      reqs.push(newRequirement(expr.key, op, values));
    }
  }
  return { requirements: reqs };
}

export function isEmptySelector(sel: LabelSelector | FieldSelector): boolean {
  return sel.requirements.length === 0;
}

export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const ls = labels ?? {};
  return sel.requirements.every((r) => {
    const has = Object.hasOwn(ls, r.key);
    const value = has ? ls[r.key] : undefined;
    switch (r.operator) {
      case 'Equals':
      case 'In':
        return value !== undefined && r.values.includes(value);
      case 'NotEquals':
      case 'NotIn':
        return value === undefined || !r.values.includes(value);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      case 'GreaterThan':
      case 'LessThan': {
        if (value === undefined || !/^-?\d+$/.test(value)) return false;
        const left = Number(value);
        const right = Number(r.values[0]);
        return r.operator === 'GreaterThan' ? left > right : left < right;
      }
    }
    return false;
  });
}

/** The canonical string form, as written into `/scale` status.selector. */
export function formatLabelSelector(sel: LabelSelector): string {
  return sel.requirements
    .map((r) => {
      switch (r.operator) {
        case 'Equals':
          return `${r.key}=${r.values[0] ?? ''}`;
        case 'NotEquals':
          return `${r.key}!=${r.values[0] ?? ''}`;
        case 'In':
          return `${r.key} in (${[...r.values].sort().join(',')})`;
        case 'NotIn':
          return `${r.key} notin (${[...r.values].sort().join(',')})`;
        case 'Exists':
          return r.key;
        case 'DoesNotExist':
          return `!${r.key}`;
        case 'GreaterThan':
          return `${r.key}>${r.values[0] ?? ''}`;
        case 'LessThan':
          return `${r.key}<${r.values[0] ?? ''}`;
      }
      return '';
    })
    .join(',');
}
